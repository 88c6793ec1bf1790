//! Files distro packages ship, as a host has them before hostnet: the
//! starting point of the real-tool tests.

pub use hostnet_lab::ufw::stock_files as stock_ufw_files;

pub use hostnet_lab::boot::DEBIAN_NFTABLES_CONF;
