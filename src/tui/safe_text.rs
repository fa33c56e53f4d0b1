//! Text from the files made safe to draw: every span's hidden characters (bidi overrides,
//! zero-width characters, controls) replaced, as `list` and `status` do (see
//! [`crate::text::shown`]), so that `pro\u{200B}d` cannot pass for `prod` on screen.

use ratatui::text::Line;

/// `lines` with every hidden character of their text replaced by `?`; lines without any are
/// passed on as they are.
pub fn clean(lines: Vec<Line<'static>>) -> Vec<Line<'static>> {
    lines.into_iter().map(clean_line).collect()
}

/// One line, cleaned.
pub fn clean_line(mut line: Line<'static>) -> Line<'static> {
    for span in &mut line.spans {
        if let std::borrow::Cow::Owned(text) = crate::text::shown(&span.content) {
            span.content = text.into();
        }
    }
    line
}
