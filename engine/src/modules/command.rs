//! `command`: run a program (argv, never a shell), guarded by `creates`/`removes`.

use crate::change::{Change, Command, Guard};
use crate::error::{Error, Result};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::root::SysPath;
use crate::value::At;
use crate::yaml::{Node, NodeValue};

/// The `command` module (public: the loader's placeholder before a module is known).
pub static COMMAND: Module = Module {
    name: "command",
    context: "`command` arguments",
    summary: "Run a program with arguments, without a shell.",
    doc: "Runs every time unless `creates` or `removes` says otherwise, so prefer the network \
          modules for anything they cover. Under a `--root` other than `/` the command is shown \
          and recorded, never run.",
    args: &[
        ArgSpec {
            name: "argv",
            aliases: &[],
            required: true,
            kind: "list of strings",
            doc: "The program and its arguments, e.g. `[iw, dev, wlan0, set, 4addr, \"on\"]`.",
        },
        ArgSpec {
            name: "creates",
            aliases: &[],
            required: false,
            kind: "absolute path",
            doc: "Skip when this path exists.",
        },
        ArgSpec {
            name: "removes",
            aliases: &[],
            required: false,
            kind: "absolute path",
            doc: "Skip unless this path exists.",
        },
    ],
    handler_ok: true,
    run,
};

/// `command: "ip link set br0 up"` (Ansible's free form): an error that
/// shows the same command as `argv`, since hostnet never runs a shell.
pub(super) fn free_form(args: &Node) -> Option<Error> {
    let NodeValue::Str(line) = &args.value else {
        return None;
    };
    if line.contains("{{") {
        return None; // a template may yield a mapping; checked once rendered
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let shell = line.contains([
        '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '"', '\'', '*', '?', '~', '\n',
    ]);
    let hint = if words.is_empty() {
        "give the program and its arguments as `command: { argv: [PROGRAM, ARG, ...] }`".to_owned()
    } else if shell {
        "hostnet runs programs without a shell: split the line into `argv: [...]`, \
         or use `argv: [sh, -c, \"...\"]` if it really needs one"
            .to_owned()
    } else {
        let argv: Vec<String> = words.iter().map(|word| flow_scalar(word)).collect();
        format!(
            "write `command: {{ argv: [{}] }}`; the program runs directly, without a shell",
            argv.join(", ")
        )
    };
    Some(Error::invalid(
        &args.pos,
        "`command` takes `argv:` (a list), not a command line",
        Some(hint),
    ))
}

/// A word as a YAML flow-sequence item, quoted when YAML would read it otherwise.
fn flow_scalar(word: &str) -> String {
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '=' | '+' | '@' | '%'))
        && !word.starts_with(['-', '@', '%'])
        || word.starts_with('-') && word.len() > 1 && word[1..].chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if plain { word.to_owned() } else { format!("\"{word}\"") }
}

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    let argv: At<Vec<String>> = args.required("argv")?;
    if argv.value.is_empty() || argv.value[0].is_empty() {
        return Err(Error::invalid(&argv.pos, "`argv` needs at least the program", None));
    }
    let creates = args.optional::<SysPath>("creates")?;
    let removes = args.optional::<SysPath>("removes")?;
    let guard = match (creates, removes) {
        (Some(path), None) => Guard::Creates(path),
        (None, Some(path)) => Guard::Removes(path),
        (None, None) => Guard::Always,
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                args.pos(),
                "`creates` and `removes` cannot both be given",
                None,
            ));
        }
    };
    if let Some(module) = module_for(&argv.value) {
        context.change(Change::Warn {
            message: format!(
                "{}: `{}` lasts until the next boot{}; {module}",
                argv.pos,
                argv.value.join(" "),
                if argv.value[0].ends_with("brctl") {
                    ", and modern distros no longer install brctl (bridge-utils)"
                } else if argv.value[0].ends_with("tunctl") {
                    ", and modern distros no longer install tunctl (uml-utilities)"
                } else {
                    ""
                }
            ),
        });
    }
    context.change(Change::Command(Command {
        argv: argv.value,
        guard,
        effects: Vec::new(),
    }));
    Ok(())
}

/// The network module that does persistently what the guides' `brctl`,
/// `tunctl` and `ip tuntap`/`ip link add … type bridge` do until reboot.
fn module_for(argv: &[String]) -> Option<&'static str> {
    let program = argv[0].rsplit('/').next().unwrap_or("");
    let words: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
    match (program, words.as_slice()) {
        ("brctl", _) => Some(
            "the `bridge` module writes the bridge into the distro's own files, with its ports and timers in \
             seconds: `- bridge: { name: br0, ports: [eth0, tap0], stp: false, forward_delay: 0 }`",
        ),
        ("tunctl", _) | ("ip", ["tuntap", ..]) => {
            Some("the `tap` module writes the TAP into the distro's own files: `- tap: { name: tap0, user: qemu }`")
        }
        ("ip", ["link", "add", rest @ ..]) if rest.windows(2).any(|pair| pair == ["type", "bridge"]) => Some(
            "the `bridge` module writes the bridge into the distro's own files: `- bridge: { name: br0, ports: [eth0] }`",
        ),
        _ => None,
    }
}
