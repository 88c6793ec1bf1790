//! Text helpers shared by the backends.

/// `text` as a POSIX sh double-quoted word: `"…"` with `$`, `` ` ``, `"` and
/// `\` escaped by a backslash, so the shell reads back exactly `text`.
/// Newlines stay literal: inside double quotes they are part of the value,
/// which is how netifrc spells lists (one entry per line).
pub(crate) fn sh_double_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    push_sh_double_quoted(&mut quoted, text);
    quoted
}

/// [`sh_double_quote`] written at the end of `out`.
pub(crate) fn push_sh_double_quoted(out: &mut String, text: &str) {
    out.push('"');
    for part in text.split_inclusive(['$', '`', '"', '\\']) {
        match part.chars().next_back() {
            Some(last @ ('$' | '`' | '"' | '\\')) => {
                out.push_str(&part[..part.len() - 1]);
                out.push('\\');
                out.push(last);
            }
            _ => out.push_str(part),
        }
    }
    out.push('"');
}

/// A POSIX sh assignment `name="value"` (`name` must already be a valid
/// shell variable name).
pub(crate) fn sh_assignment(name: &str, value: &str) -> String {
    let mut line = String::with_capacity(name.len() + value.len() + 3);
    push_sh_assignment(&mut line, name, value);
    line
}

/// [`sh_assignment`] written at the end of `out`.
pub(crate) fn push_sh_assignment(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push('=');
    push_sh_double_quoted(out, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_are_only_quoted() {
        assert_eq!(sh_double_quote("user qemu group kvm"), r#""user qemu group kvm""#);
        assert_eq!(sh_double_quote(""), r#""""#);
        assert_eq!(sh_double_quote("a\nb"), "\"a\nb\"");
    }

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(sh_double_quote("machine$"), r#""machine\$""#);
        assert_eq!(sh_double_quote("`id`"), r#""\`id\`""#);
        assert_eq!(sh_double_quote(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(sh_double_quote(r"back\slash"), r#""back\\slash""#);
        assert_eq!(sh_double_quote("it's"), r#""it's""#);
        assert_eq!(sh_double_quote(r#"$$`"\x\"#), r#""\$\$\`\"\\x\\""#);
    }

    #[test]
    fn assignments() {
        assert_eq!(sh_assignment("config_br0", "dhcp"), r#"config_br0="dhcp""#);
    }
}
