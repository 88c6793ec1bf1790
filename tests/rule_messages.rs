//! Every message a rule can give has a test that pins it: this test finds
//! the messages in the product's sources (`engine/src`, `backends/src`, by
//! the shape of the code, never by file name, so rules may move between
//! files) and looks for each in the tests' string literals.
//!
//! A message is the string literal (or `format!` string) that is
//!
//! - the first literal argument of a call of a function named `invalid` or
//!   `rule` (`Error::invalid(pos, message, hint)`,
//!   `Error::rule(rule, pos, message, hint)`) or of a method named `error`
//!   (the validators' `self.error(rule, pos, message, hint)`): positions,
//!   rules and `Some(hint)` are never literals, so argument order may change,
//! - the `message` field of an `Invalid { .. }`, `InvalidValue { .. }` or
//!   `Rule { .. }` error kind, or
//! - the value of a local named `message` (`let message = format!(…)`,
//!   passed on by name), or
//! - the argument of `Err(..)`, `.ok_or(..)`, or what the closure given to
//!   `.map_err(..)` / `.ok_or_else(..)` returns (the parsers of typed values
//!   return the message as a `String`, and the module wraps it with the
//!   position).
//!
//! A test "has" the message when one line of a string literal in the tests
//! (`tests/**/*.rs`, other text files under `tests/`, and the `#[cfg(test)]`
//! modules of the product's sources) matches the format string, each
//! `{…}` matching any text. Messages with less than [`MIN_TEXT`] characters
//! of their own (`"{message}"`, passing another message on) are not rules.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Expr, Lit, Token};

use crate::support::repo;

/// A format string with less literal text than this passes a message on.
const MIN_TEXT: usize = 8;

/// The scan must find at least this many messages; fewer means the error
/// constructors changed shape and the heuristics above need updating.
const AT_LEAST: usize = 80;

/// Messages no playbook, facts file or argument can produce, with why:
/// the format string exactly as written. Each must still be in the sources.
const NOT_RULES: [(&str, &str); 4] = [
    (
        "Graphviz's `dot -Tsvg` failed: {}",
        "Graphviz itself failing on hostnet's DOT text (a hostnet bug, shown with dot's own words)",
    ),
    (
        "cannot run Graphviz's `dot`: {error}",
        "the OS refusing to start an installed `dot` (not found has its own, tested message)",
    ),
    (
        "cannot record the inventory: {error}",
        "the OS refusing to write /var/lib/hostnet on the live host after the devices were created (shown with the OS's words)",
    ),
    (
        "empty command",
        "`command` refuses an empty `argv` at load time (`argv` needs at least the program), so `run` never gets one",
    ),
];

/// A message as the product writes it.
#[derive(Debug)]
struct Message {
    /// `engine/src/model/validate.rs:123`.
    at: String,
    /// The literal: a `format!` string or plain text.
    format: String,
}

impl Message {
    /// The literal pieces between the `{…}` placeholders.
    fn pieces(&self) -> Vec<String> {
        let mut pieces = vec![String::new()];
        let mut chars = self.format.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek()) {
                ('{', Some('{')) | ('}', Some('}')) => {
                    chars.next();
                    pieces.last_mut().unwrap_or_else(|| unreachable!()).push(c);
                }
                ('{', _) => {
                    for inner in chars.by_ref() {
                        if inner == '}' {
                            break;
                        }
                    }
                    pieces.push(String::new());
                }
                _ => pieces.last_mut().unwrap_or_else(|| unreachable!()).push(c),
            }
        }
        pieces.retain(|piece| !piece.is_empty());
        pieces
    }

    /// Is it a rule's own text (not a message passed on)?
    fn is_rule(&self) -> bool {
        self.pieces().iter().map(|piece| piece.trim().len()).sum::<usize>() >= MIN_TEXT
    }

    /// Does one line of `text` show this message (the pieces in order)?
    fn is_in(&self, text: &str) -> bool {
        let pieces = self.pieces();
        let in_order = |haystack: &str| {
            let mut from = 0;
            pieces.iter().all(|piece| match haystack[from..].find(piece.as_str()) {
                Some(index) => {
                    from += index + piece.len();
                    true
                }
                None => false,
            })
        };
        if self.format.contains('\n') {
            in_order(text)
        } else {
            text.lines().any(in_order)
        }
    }
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs_err::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            // The corpus holds links to loops and to /dev/zero: never follow one.
            if entry.file_type().unwrap().is_symlink() {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The product's sources.
fn product_files() -> Vec<PathBuf> {
    ["engine/src", "backends/src"]
        .iter()
        .flat_map(|dir| rust_files(&repo().join(dir)))
        .collect()
}

/// `#[cfg(test)]` on an item.
fn is_test_only(attributes: &[syn::Attribute]) -> bool {
    attributes.iter().any(|attribute| {
        attribute.path().is_ident("cfg") && attribute.parse_args::<syn::Ident>().is_ok_and(|word| word == "test")
    })
}

/// The string a message expression starts from, if it is a literal: `"…"`,
/// `format!("…", …)`, `"…".into()` / `.to_owned()` / `.to_string()`,
/// `String::from("…")`.
fn literal_of(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(text), ..
        }) => Some(text.value()),
        Expr::Macro(call) if call.mac.path.is_ident("format") => {
            let arguments = call
                .mac
                .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
                .ok()?;
            arguments.first().and_then(literal_of)
        }
        Expr::MethodCall(call) if ["into", "to_owned", "to_string"].contains(&call.method.to_string().as_str()) => {
            literal_of(&call.receiver)
        }
        Expr::Call(call) if matches!(&*call.func, Expr::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "from")) => {
            call.args.first().and_then(literal_of)
        }
        Expr::Reference(reference) => literal_of(&reference.expr),
        Expr::Paren(inner) => literal_of(&inner.expr),
        _ => None,
    }
}

/// The name a call expression calls (`Error::invalid` → `invalid`).
fn called(func: &Expr) -> Option<String> {
    match func {
        Expr::Path(path) => path.path.segments.last().map(|segment| segment.ident.to_string()),
        _ => None,
    }
}

/// Collects the messages of one file.
struct Sites<'a> {
    file: &'a str,
    messages: Vec<Message>,
}

impl Sites<'_> {
    /// The message among a constructor's arguments: the first literal one.
    fn first_literal<'e>(&mut self, mut arguments: impl Iterator<Item = &'e Expr>) {
        if let Some(message) = arguments.find(|argument| literal_of(argument).is_some()) {
            self.found(message);
        }
    }

    fn found(&mut self, expr: &Expr) {
        if let Some(format) = literal_of(expr) {
            let line = first_line_of(expr);
            self.messages.push(Message {
                at: format!("{}:{line}", self.file),
                format,
            });
        }
    }
}

/// The line an expression starts on.
fn first_line_of(expr: &Expr) -> usize {
    use syn::spanned::Spanned;
    expr.span().start().line
}

impl<'ast> Visit<'ast> for Sites<'_> {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_mod(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_fn(self, item);
        }
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        match called(&call.func).as_deref() {
            Some("invalid" | "rule") => self.first_literal(call.args.iter()),
            Some("Err") if call.args.len() == 1 => self.found(&call.args[0]),
            _ => {}
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = call.method.to_string();
        if method == "error" && call.args.len() >= 2 {
            self.first_literal(call.args.iter());
        }
        if ["map_err", "ok_or_else", "ok_or"].contains(&method.as_str())
            && let Some(argument) = call.args.first()
        {
            match argument {
                Expr::Closure(closure) => self.found(&closure.body),
                other => self.found(other),
            }
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_struct(&mut self, expr: &'ast syn::ExprStruct) {
        let kind = expr.path.segments.last().map(|segment| segment.ident.to_string());
        if matches!(kind.as_deref(), Some("Invalid" | "InvalidValue" | "Rule")) {
            for field in &expr.fields {
                if matches!(&field.member, syn::Member::Named(name) if name == "message") {
                    self.found(&field.expr);
                }
            }
        }
        syn::visit::visit_expr_struct(self, expr);
    }

    /// `let message = format!(…);` (then passed on by name).
    fn visit_local(&mut self, local: &'ast syn::Local) {
        let named_message = matches!(&local.pat, syn::Pat::Ident(binding) if binding.ident == "message");
        if named_message && let Some(init) = &local.init {
            self.found(&init.expr);
        }
        syn::visit::visit_local(self, local);
    }

    /// Macro bodies (`vec![…]`, `assert!(…)`) are token streams to syn:
    /// read them as expressions where they are.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if let Ok(arguments) = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
            for argument in &arguments {
                self.visit_expr(argument);
            }
        }
    }
}

/// Every message in the product's sources.
fn messages() -> Vec<Message> {
    let mut messages = Vec::new();
    for path in product_files() {
        let text = fs_err::read_to_string(&path).unwrap();
        let file = syn::parse_file(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let relative = path.strip_prefix(repo()).unwrap().display().to_string();
        let mut sites = Sites {
            file: &relative,
            messages: Vec::new(),
        };
        sites.visit_file(&file);
        messages.extend(sites.messages);
    }
    messages
}

/// Every string literal in `tokens` (macro bodies included).
fn literals(tokens: TokenStream, out: &mut Vec<String>) {
    for token in tokens {
        match token {
            TokenTree::Group(group) => literals(group.stream(), out),
            TokenTree::Literal(literal) => {
                if let Ok(text) = syn::parse2::<syn::LitStr>(TokenTree::Literal(literal).into()) {
                    out.push(text.value());
                }
            }
            TokenTree::Ident(_) | TokenTree::Punct(_) => {}
        }
    }
}

/// The bodies of `#[cfg(test)] mod NAME { … }` in `tokens`.
fn test_modules(tokens: TokenStream) -> Vec<TokenStream> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut bodies = Vec::new();
    for window in tokens.windows(5) {
        let [
            TokenTree::Punct(hash),
            TokenTree::Group(attribute),
            TokenTree::Ident(keyword),
            TokenTree::Ident(_),
            TokenTree::Group(body),
        ] = window
        else {
            continue;
        };
        let cfg_test = attribute.delimiter() == Delimiter::Bracket
            && attribute.stream().to_string().replace(' ', "") == "cfg(test)";
        if hash.as_char() == '#' && cfg_test && keyword == "mod" && body.delimiter() == Delimiter::Brace {
            bodies.push(body.stream());
        }
    }
    bodies
}

/// Every text a test could pin a message in.
fn test_texts() -> Vec<String> {
    let this_file = repo().join("tests/rule_messages.rs");
    let mut texts = Vec::new();
    let mut pending = vec![repo().join("tests")];
    while let Some(dir) = pending.pop() {
        for entry in fs_err::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            // The corpus holds links to loops and to /dev/zero: never follow one.
            if entry.file_type().unwrap().is_symlink() {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if path == this_file {
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                let text = fs_err::read_to_string(&path).unwrap();
                let tokens = TokenStream::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
                literals(tokens, &mut texts);
            } else if let Ok(text) = fs_err::read_to_string(&path) {
                texts.push(text);
            }
        }
    }
    for path in product_files() {
        let text = fs_err::read_to_string(&path).unwrap();
        let tokens = TokenStream::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        for body in test_modules(tokens) {
            literals(body, &mut texts);
        }
    }
    texts
}

#[test]
fn every_rule_message_is_pinned_by_a_test() {
    let messages: Vec<Message> = messages().into_iter().filter(Message::is_rule).collect();
    assert!(
        messages.len() >= AT_LEAST,
        "the scan found only {} rule messages; did the error constructors change shape? (see this file's doc)",
        messages.len()
    );
    for (format, why) in NOT_RULES {
        assert!(
            messages.iter().any(|message| message.format == format),
            "NOT_RULES lists {format:?} ({why}), which the sources no longer have: remove it"
        );
    }
    let texts = test_texts();
    let untested: Vec<String> = messages
        .iter()
        .filter(|message| NOT_RULES.iter().all(|(format, _)| message.format != *format))
        .filter(|message| !texts.iter().any(|text| message.is_in(text)))
        .map(|message| format!("  {}: {:?}", message.at, message.format))
        .collect();
    assert!(
        untested.is_empty(),
        "{} of {} rule messages have no test that pins them (write one in tests/validation*.rs, \
         tests/errors.rs, or a unit test next to the rule):\n{}",
        untested.len(),
        messages.len(),
        untested.join("\n")
    );
}

#[test]
fn the_message_matcher_matches_what_it_should() {
    let message = Message {
        at: String::new(),
        format: "the router `{router}` is outside `{}`, so guests could not reach it".into(),
    };
    assert_eq!(
        message.pieces(),
        ["the router `", "` is outside `", "`, so guests could not reach it"]
    );
    assert!(message.is_in("error: the router `10.0.0.1` is outside `172.16.1.0/24`, so guests could not reach it\n"));
    assert!(!message.is_in("error: the router `10.0.0.1`\n is outside `172.16.1.0/24`, so guests could not reach it"));
    assert!(!message.is_in("the router `10.0.0.1` is inside"));
    let escaped = Message {
        at: String::new(),
        format: "give it an address (e.g. `address: \"{{{{ subnet | host(1) }}}}\"`)".into(),
    };
    assert!(escaped.is_in("hint: give it an address (e.g. `address: \"{{ subnet | host(1) }}\"`)"));
    assert!(
        !Message {
            at: String::new(),
            format: "{message}".into()
        }
        .is_rule()
    );
}
