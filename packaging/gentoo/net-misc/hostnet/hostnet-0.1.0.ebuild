# Copyright 2026 hostnet developers
# Distributed under the terms of the GNU General Public License v2

EAPI=8

# CRATES is every crates.io package of Cargo.lock (tests/packaging.rs keeps it
# equal; `SNAPSHOTS=overwrite cargo test packaging` rewrites it).
CRATES="
	ahash@0.8.12
	aho-corasick@1.1.5
	allocator-api2@0.2.21
	annotate-snippets@0.12.17
	anstream@1.0.0
	anstyle-parse@1.0.0
	anstyle-query@1.1.5
	anstyle-wincon@3.0.11
	anstyle@1.0.14
	anyhow@1.0.104
	arraydeque@0.5.1
	autocfg@1.5.1
	base64@0.23.1
	bit-set@0.8.0
	bit-vec@0.8.0
	bitflags@2.13.2
	block-buffer@0.10.4
	borrow-or-share@0.2.4
	bstr@1.13.1
	bumpalo@3.20.4
	bytecount@0.6.9
	cc@1.11.3
	cfg-if@1.0.5
	chacha20@0.10.2
	clap@4.6.7
	clap_builder@4.6.7
	clap_complete@4.6.12
	clap_derive@4.6.7
	clap_lex@1.1.1
	clap_mangen@0.3.3
	colorchoice@1.0.5
	condtype@1.3.0
	core_detect@1.0.0
	cpufeatures@0.2.17
	cpufeatures@0.3.1
	crypto-common@0.1.7
	data-encoding@2.11.1
	digest@0.10.7
	divan-macros@0.1.21
	divan@0.1.21
	duct@1.1.2
	email_address@0.2.10
	encoding_rs@0.8.44
	encoding_rs_io@0.1.8
	equivalent@1.0.3
	errno@0.3.14
	fancy-regex@0.20.2
	fastrand@2.5.0
	find-msvc-tools@0.1.15
	fluent-uri@0.4.1
	foldhash@0.2.0
	fraction@0.17.0
	fs-err@3.3.2
	generic-array@0.14.7
	getrandom@0.3.4
	getrandom@0.4.3
	glob@0.3.4
	granit-parser@2.1.0
	hashbrown@0.17.1
	heck@0.5.0
	indexmap@2.14.2
	ipnet@2.12.2
	is_terminal_polyfill@1.70.2
	itoa@1.0.18
	js-sys@0.3.107
	jsonschema-regex@0.61.2
	jsonschema-value@0.61.2
	jsonschema@0.61.2
	libc@0.2.191
	libmimalloc-sys@0.1.49
	linux-raw-sys@0.12.1
	lock_api@0.4.14
	memchr@2.8.3
	micromap@0.3.0
	mimalloc@0.1.52
	minijinja@3.0.5
	multiversion_no_op@1.0.0
	nohash-hasher@0.2.0
	num-bigint@0.4.8
	num-cmp@0.1.0
	num-complex@0.4.6
	num-integer@0.1.47
	num-iter@0.1.46
	num-rational@0.4.2
	num-traits@0.2.19
	num@0.4.3
	once_cell@1.21.4
	once_cell_polyfill@1.70.2
	os_pipe@1.2.3
	outref@0.5.2
	parking_lot@0.12.5
	parking_lot_core@0.9.12
	percent-encoding@2.3.2
	proc-macro2@1.0.107
	proptest@1.12.0
	quote@1.0.47
	r-efi@5.3.0
	r-efi@6.0.0
	rand@0.10.4
	rand_core@0.10.1
	rand_xorshift@0.5.0
	redox_syscall@0.5.18
	ref-cast-impl@1.0.27
	ref-cast@1.0.27
	referencing@0.61.2
	regex-automata@0.4.19
	regex-lite@0.1.9
	regex-syntax@0.8.12
	regex@1.13.2
	roff@1.1.1
	rustix@1.1.6
	rustversion@1.0.23
	scopeguard@1.2.0
	serde-saphyr@2.1.1
	serde@1.0.229
	serde_core@1.0.229
	serde_derive@1.0.229
	serde_json@1.0.154
	sha2@0.10.9
	shared_child@1.1.2
	shared_thread@0.2.1
	shlex@2.0.1
	sigchld@0.2.5
	signal-hook-registry@1.4.8
	signal-hook@0.4.6
	simdutf8@0.1.5
	similar@3.2.1
	smallvec@1.16.5
	strsim@0.11.1
	strum@0.28.0
	strum_macros@0.28.0
	syn@2.0.119
	syn@3.0.9
	tempfile@3.27.0
	terminal_size@0.4.4
	thiserror-impl@2.0.21
	thiserror@2.0.21
	typenum@1.20.1
	unarray@0.1.4
	unicode-general-category@1.1.0
	unicode-ident@1.0.27
	unicode-width@0.2.3
	utf8parse@0.2.2
	uuid-simd@0.8.0
	version_check@0.9.5
	vsimd@0.8.0
	wasip2@1.0.4+wasi-0.2.12
	wasm-bindgen-macro-support@0.2.130
	wasm-bindgen-macro@0.2.130
	wasm-bindgen-shared@0.2.130
	wasm-bindgen@0.2.130
	windows-link@0.2.1
	windows-sys@0.61.2
	wit-bindgen@0.57.1
	zerocopy-derive@0.8.64
	zerocopy@0.8.64
	zmij@1.0.23
"

inherit cargo shell-completion

DESCRIPTION="Declarative, reviewable, reboot-safe QEMU/KVM host networking"
HOMEPAGE="https://example.invalid/hostnet"
SRC_URI="
	https://example.invalid/hostnet/archive/v${PV}.tar.gz -> ${P}.tar.gz
	${CARGO_CRATE_URIS}
"

LICENSE="|| ( Apache-2.0 MIT )"
# Dependent crate licenses
LICENSE+=" Apache-2.0 BSD MIT Unicode-3.0 ZLIB"
SLOT="0"
KEYWORDS="~amd64"

# What the rendered files need at run time is listed by `hostnet plan`
# ("requires: package ..."); these cover the common setups.
RDEPEND="
	sys-apps/iproute2
	net-dns/dnsmasq
"

QA_FLAGS_IGNORED="usr/bin/hostnet"

src_install() {
	cargo_src_install

	local hostnet="$(cargo_target_dir)/hostnet"
	"${hostnet}" man > hostnet.1 || die
	doman hostnet.1
	"${hostnet}" completions bash > hostnet.bash || die
	newbashcomp hostnet.bash hostnet
	"${hostnet}" completions zsh > _hostnet || die
	dozshcomp _hostnet
	"${hostnet}" completions fish > hostnet.fish || die
	dofishcomp hostnet.fish

	insinto /usr/share/hostnet
	doins schema/playbook.schema.json
	dodoc README.md
	docinto examples
	dodoc playbooks/*.yml
}
