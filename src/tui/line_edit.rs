//! A one-line text field that edits like a shell's line: Ctrl-A/E (or Home/End) to either
//! end, ←/→ and Alt-B/F (or Ctrl-←/→) by character and word, Backspace/Ctrl-H, Delete,
//! Ctrl-W and Alt-Backspace delete a word back, Ctrl-U everything before the cursor, Ctrl-K
//! everything after it. Other Ctrl and Alt keys are not typed as letters.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The text and the cursor (a byte index on a character boundary).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineEdit {
    text: String,
    cursor: usize,
}

impl LineEdit {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Empties it.
    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    /// The text before and after the cursor.
    pub fn split(&self) -> (&str, &str) {
        self.text.split_at(self.cursor)
    }

    /// Inserts `text` at the cursor, leaving out control characters.
    pub fn insert(&mut self, text: &str) {
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
    }

    /// A key: whether it was an editing key (the text or the cursor may have moved).
    pub fn key(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.text.len(),
            KeyCode::Char('b') if ctrl => self.cursor = self.prev_char(),
            KeyCode::Char('f') if ctrl => self.cursor = self.next_char(),
            KeyCode::Char('h') if ctrl => self.delete_back(self.prev_char()),
            KeyCode::Char('d') if ctrl => self.delete_forward(self.next_char()),
            KeyCode::Char('w') if ctrl => self.delete_back(self.prev_word()),
            KeyCode::Char('u') if ctrl => self.delete_back(0),
            KeyCode::Char('k') if ctrl => self.delete_forward(self.text.len()),
            KeyCode::Char('b') if alt => self.cursor = self.prev_word(),
            KeyCode::Char('f') if alt => self.cursor = self.next_word(),
            KeyCode::Char('d') if alt => self.delete_forward(self.next_word()),
            KeyCode::Char(_) if ctrl || alt => {}
            KeyCode::Char(c) => self.insert(c.encode_utf8(&mut [0; 4])),
            KeyCode::Backspace if ctrl || alt => self.delete_back(self.prev_word()),
            KeyCode::Backspace => self.delete_back(self.prev_char()),
            KeyCode::Delete => self.delete_forward(self.next_char()),
            KeyCode::Left if ctrl || alt => self.cursor = self.prev_word(),
            KeyCode::Right if ctrl || alt => self.cursor = self.next_word(),
            KeyCode::Left => self.cursor = self.prev_char(),
            KeyCode::Right => self.cursor = self.next_char(),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.text.len(),
            _ => return false,
        }
        true
    }

    fn prev_char(&self) -> usize {
        self.text[..self.cursor]
            .char_indices()
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    fn next_char(&self) -> usize {
        self.text[self.cursor..]
            .chars()
            .next()
            .map_or(self.cursor, |c| self.cursor + c.len_utf8())
    }

    /// The start of the word before the cursor (spaces before it skipped), as a shell's.
    fn prev_word(&self) -> usize {
        let before = &self.text[..self.cursor];
        let trimmed = before.trim_end_matches(|c: char| !c.is_alphanumeric());
        trimmed
            .char_indices()
            .rev()
            .find(|(_, c)| !c.is_alphanumeric())
            .map_or(0, |(i, c)| i + c.len_utf8())
    }

    /// The end of the word after the cursor.
    fn next_word(&self) -> usize {
        let after = &self.text[self.cursor..];
        let skipped = after.len()
            - after
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .len();
        let rest = &after[skipped..];
        let word = rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len());
        self.cursor + skipped + word
    }

    fn delete_back(&mut self, to: usize) {
        self.text.replace_range(to..self.cursor, "");
        self.cursor = to;
    }

    fn delete_forward(&mut self, to: usize) {
        self.text.replace_range(self.cursor..to, "");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn alt(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)
    }

    fn typed(text: &str) -> LineEdit {
        let mut line = LineEdit::default();
        line.insert(text);
        line
    }

    #[test]
    fn edits_like_a_shell_line() {
        let mut line = typed("acme-prod admin");
        line.key(ctrl('w'));
        assert_eq!(line.as_str(), "acme-prod ");
        line.key(ctrl('w'));
        assert_eq!(
            line.as_str(),
            "acme-",
            "a word ends at punctuation, as readline's"
        );
        line.key(ctrl('h'));
        assert_eq!(line.as_str(), "acme");
        line.key(ctrl('a'));
        line.insert("x");
        assert_eq!(line.split(), ("x", "acme"));
        line.key(ctrl('e'));
        line.insert("!");
        assert_eq!(line.as_str(), "xacme!");
        line.key(ctrl('u'));
        assert!(line.is_empty());

        let mut line = typed("one two three");
        line.key(alt('b'));
        assert_eq!(line.split(), ("one two ", "three"));
        line.key(alt('b'));
        line.key(alt('f'));
        assert_eq!(line.split(), ("one two", " three"));
        line.key(ctrl('k'));
        assert_eq!(line.as_str(), "one two");
        line.key(KeyEvent::new(KeyCode::Left, KeyModifiers::NONE));
        line.key(KeyEvent::new(KeyCode::Delete, KeyModifiers::NONE));
        assert_eq!(line.as_str(), "one tw");
    }

    #[test]
    fn ctrl_and_alt_letters_are_never_typed() {
        let mut line = typed("dev");
        for c in ['x', 'q', 'z', 'g'] {
            assert!(!line.key(ctrl(c)) || line.as_str() == "dev");
            line.key(alt(c));
        }
        assert_eq!(line.as_str(), "dev");
        line.insert("ä\u{1b}b");
        assert_eq!(line.as_str(), "deväb", "control characters are left out");
        line.key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        line.key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        assert_eq!(line.as_str(), "dev");
    }
}
