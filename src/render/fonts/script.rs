//! What kind of text a character or grapheme cluster is, for choosing its font and for telling
//! a person which font package draws it.

use unicode_script::{Script, UnicodeScript};

/// What a grapheme cluster needs from a font.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An emoji shown as a picture: wants a colour font.
    Emoji,
    /// Letters of a script that has fonts of its own (Arabic, Devanagari, Thai, CJK…): wants the
    /// font made for it over a general one that happens to have a few of its letters.
    OwnScript,
    /// Latin, Greek, Cyrillic: the general (first) font.
    General,
    /// Spaces, digits and punctuation: whatever the text around it uses.
    Neutral,
}

/// The kind of one grapheme cluster.
pub(crate) fn kind_of(cluster: &str) -> Kind {
    if is_emoji(cluster) {
        return Kind::Emoji;
    }
    let script = cluster
        .chars()
        .map(|c| c.script())
        .find(|s| !matches!(s, Script::Common | Script::Inherited | Script::Unknown));
    match script {
        None => Kind::Neutral,
        Some(Script::Latin | Script::Greek | Script::Cyrillic) => Kind::General,
        Some(_) => Kind::OwnScript,
    }
}

/// Whether a cluster is shown as an emoji picture: it asks for one (U+FE0F, a keycap), or starts
/// with a character whose default look is a picture. The default-picture set is Unicode's
/// Emoji_Presentation list for the BMP and the pictograph blocks beyond it, which is close
/// enough: a symbol outside it still renders, in the text font.
pub(crate) fn is_emoji(cluster: &str) -> bool {
    if cluster.contains(['\u{FE0F}', '\u{20E3}']) {
        return true;
    }
    cluster.chars().next().is_some_and(emoji_presentation)
}

fn emoji_presentation(c: char) -> bool {
    matches!(c as u32,
        0x231A..=0x231B | 0x23E9..=0x23EC | 0x23F0 | 0x23F3 | 0x25FD..=0x25FE
        | 0x2614..=0x2615 | 0x2648..=0x2653 | 0x267F | 0x2693 | 0x26A1 | 0x26AA..=0x26AB
        | 0x26BD..=0x26BE | 0x26C4..=0x26C5 | 0x26CE | 0x26D4 | 0x26EA | 0x26F2..=0x26F3
        | 0x26F5 | 0x26FA | 0x26FD | 0x2705 | 0x270A..=0x270B | 0x2728 | 0x274C | 0x274E
        | 0x2753..=0x2755 | 0x2757 | 0x2795..=0x2797 | 0x27B0 | 0x27BF | 0x2B1B..=0x2B1C
        | 0x2B50 | 0x2B55
        | 0x1F004 | 0x1F0CF | 0x1F18E | 0x1F191..=0x1F19A | 0x1F1E6..=0x1F1FF | 0x1F201
        | 0x1F21A | 0x1F22F | 0x1F232..=0x1F236 | 0x1F238..=0x1F23A | 0x1F250..=0x1F251
        | 0x1F300..=0x1F64F | 0x1F680..=0x1F6FF | 0x1F7E0..=0x1F7EB | 0x1F90C..=0x1F9FF
        | 0x1FA70..=0x1FAFF)
}

/// The Debian package whose fonts draw `c`, for messages that say what to install.
pub(crate) fn package_for(c: char) -> &'static str {
    let mut buf = [0u8; 4];
    if is_emoji(c.encode_utf8(&mut buf)) {
        return "fonts-noto-color-emoji";
    }
    match c.script() {
        Script::Han | Script::Hiragana | Script::Katakana | Script::Hangul | Script::Bopomofo => {
            "fonts-noto-cjk"
        }
        Script::Latin | Script::Greek | Script::Cyrillic | Script::Common | Script::Inherited => {
            "fonts-dejavu-core"
        }
        _ => "fonts-noto-core",
    }
}

/// What each package is for, in messages.
pub(crate) fn package_use(package: &str) -> &'static str {
    match package {
        "fonts-noto-cjk" => "Chinese/Japanese/Korean",
        "fonts-noto-color-emoji" => "emoji",
        "fonts-noto-core" => "Arabic, Hebrew, Devanagari, Thai and other scripts",
        _ => "Latin, Greek and Cyrillic",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_are_classified() {
        assert_eq!(kind_of("a"), Kind::General);
        assert_eq!(kind_of(" "), Kind::Neutral);
        assert_eq!(kind_of("7"), Kind::Neutral);
        assert_eq!(kind_of("م"), Kind::OwnScript);
        assert_eq!(kind_of("क्ष"), Kind::OwnScript);
        assert_eq!(kind_of("中"), Kind::OwnScript);
        assert_eq!(kind_of("🎉"), Kind::Emoji);
        assert_eq!(kind_of("❤\u{FE0F}"), Kind::Emoji);
        assert_eq!(kind_of("1\u{FE0F}\u{20E3}"), Kind::Emoji);
        assert_eq!(kind_of("☕"), Kind::Emoji);
        // Text-style symbols stay text.
        assert_eq!(kind_of("★"), Kind::Neutral);
        assert_eq!(package_for('你'), "fonts-noto-cjk");
        assert_eq!(package_for('🎉'), "fonts-noto-color-emoji");
        assert_eq!(package_for('ก'), "fonts-noto-core");
    }
}
