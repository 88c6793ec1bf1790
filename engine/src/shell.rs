//! Display of an argv as one POSIX-shell-quoted line. Display only: hostnet
//! runs every command as an argv without a shell.

/// `['iw', 'dev', 'wlan0', 'set', '4addr', 'on']` → `iw dev wlan0 set 4addr on`;
/// words with other characters than `[A-Za-z0-9-_./:=@%+,]` get single quotes.
pub fn line(argv: &[String]) -> String {
    argv.iter()
        .map(|word| {
            let plain = !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
            if plain {
                word.clone()
            } else {
                format!("'{}'", word.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoting() {
        let argv: Vec<String> = ["echo", "two words", "it's", ""]
            .iter()
            .map(|w| (*w).to_owned())
            .collect();
        assert_eq!(super::line(&argv), "echo 'two words' 'it'\\''s' ''");
    }
}
