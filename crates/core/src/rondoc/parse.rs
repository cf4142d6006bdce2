//! A RON reader that keeps the line and column of every value, so that errors found long after
//! parsing (a dangling reference, a negative length) can still point at the text.

use std::fmt;

/// A place in a text file: 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One parsed RON value with the position where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What was written.
    pub value: Value,
    /// Where it starts.
    pub pos: Pos,
}

/// A field name inside a struct, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The field name as written.
    pub name: String,
    /// Where the name starts.
    pub pos: Pos,
}

/// The RON value kinds sitetwin's files use.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `()`
    Unit,
    /// `true` / `false`
    Bool(bool),
    /// A number literal, kept as written so that integers and floats convert exactly: digit
    /// separators `_` removed, `0x`/`0o`/`0b` integers written in decimal, a type suffix (`1u8`,
    /// `2.5f32`) kept.
    Number(String),
    /// A string literal, escapes resolved.
    Str(String),
    /// A character literal.
    Char(char),
    /// A bare identifier: a unit enum variant, `None`, `inf`, `NaN`, a unit struct name.
    Ident(String),
    /// `[a, b, c]`
    List(Vec<Node>),
    /// `{k: v, ...}`
    Map(Vec<(Node, Node)>),
    /// `(a, b)` or `Name(a, b)`: a tuple, a tuple struct, `Some(x)` or a tuple enum variant.
    Tuple {
        /// The name before the parenthesis, if any.
        name: Option<String>,
        /// The items.
        items: Vec<Node>,
    },
    /// `(a: 1, b: 2)` or `Name(a: 1)`: a struct or a struct enum variant.
    Struct {
        /// The name before the parenthesis, if any.
        name: Option<String>,
        /// The fields in the order written.
        fields: Vec<(Key, Node)>,
    },
}

impl Value {
    /// A short description of the kind of value, for error messages ("a string", "a list").
    pub fn describe(&self) -> String {
        match self {
            Value::Unit => "`()`".into(),
            Value::Bool(b) => format!("the boolean `{b}`"),
            Value::Number(n) => format!("the number {n}"),
            Value::Str(s) => format!("the string \"{s}\""),
            Value::Char(c) => format!("the character '{c}'"),
            Value::Ident(i) => format!("`{i}`"),
            Value::List(_) => "a list `[...]`".into(),
            Value::Map(_) => "a map `{...}`".into(),
            Value::Tuple { name: Some(n), .. } => format!("`{n}(...)`"),
            Value::Tuple { name: None, .. } => "a tuple `(...)`".into(),
            Value::Struct { name: Some(n), .. } => format!("`{n}(...)`"),
            Value::Struct { name: None, .. } => "a struct `(...)`".into(),
        }
    }
}

/// A syntax error with its position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct SyntaxError {
    /// Where the problem is.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

/// Parses a whole RON document (one value, optionally preceded by `#![enable(...)]` attributes).
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut p = Parser::new(text);
    p.skip_trivia()?;
    while p.peek_str("#![") {
        p.skip_attribute()?;
        p.skip_trivia()?;
    }
    let node = p.value(0)?;
    p.skip_trivia()?;
    if let Some(c) = p.peek() {
        return Err(p.error(format!("unexpected `{c}` after the end of the document")));
    }
    Ok(node)
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 128;

struct Parser<'a> {
    chars: Vec<char>,
    i: usize,
    line: u32,
    column: u32,
    _text: &'a str,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let text_no_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
        Self { chars: text_no_bom.chars().collect(), i: 0, line: 1, column: 1, _text: text }
    }

    fn pos(&self) -> Pos {
        Pos { line: self.line, column: self.column }
    }

    fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError { pos: self.pos(), message: message.into() }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn peek_str(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(k, c)| self.peek_at(k) == Some(c))
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn skip_trivia(&mut self) -> Result<(), SyntaxError> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('/') if self.peek_at(1) == Some('/') => {
                    while let Some(c) = self.peek() {
                        if c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                }
                Some('/') if self.peek_at(1) == Some('*') => {
                    let start = self.pos();
                    self.bump();
                    self.bump();
                    let mut depth = 1;
                    while depth > 0 {
                        if self.peek_str("/*") {
                            depth += 1;
                            self.bump();
                            self.bump();
                        } else if self.peek_str("*/") {
                            depth -= 1;
                            self.bump();
                            self.bump();
                        } else if self.bump().is_none() {
                            return Err(SyntaxError {
                                pos: start,
                                message: "block comment `/*` is never closed".into(),
                            });
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn skip_attribute(&mut self) -> Result<(), SyntaxError> {
        let start = self.pos();
        while let Some(c) = self.bump() {
            if c == ']' {
                return Ok(());
            }
        }
        Err(SyntaxError { pos: start, message: "attribute `#![...]` is never closed".into() })
    }

    fn expect(&mut self, want: char) -> Result<(), SyntaxError> {
        self.skip_trivia()?;
        match self.peek() {
            Some(c) if c == want => {
                self.bump();
                Ok(())
            }
            Some(c) => Err(self.error(format!("expected `{want}`, found `{c}`"))),
            None => Err(self.error(format!("expected `{want}`, found the end of the file"))),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("values nested deeper than {MAX_DEPTH} levels")));
        }
        self.skip_trivia()?;
        let pos = self.pos();
        let Some(c) = self.peek() else {
            return Err(self.error("expected a value, found the end of the file"));
        };
        let value = match c {
            '"' => Value::Str(self.string()?),
            'r' if self.at_raw_string() => Value::Str(self.raw_string()?),
            'b' if matches!(self.peek_at(1), Some('\'' | '"')) => {
                return Err(
                    self.error("byte literals and byte strings (`b'x'`, `b\"...\"`) are not supported; write numbers")
                );
            }
            '\'' => Value::Char(self.char_lit()?),
            '[' => {
                self.bump();
                let items = self.items(']', depth)?;
                Value::List(items)
            }
            '{' => {
                self.bump();
                Value::Map(self.map_entries(depth)?)
            }
            '(' => self.paren(None, depth)?,
            c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => self.number()?,
            c if is_ident_start(c) => {
                let raw = self.at_raw_ident();
                let ident = self.ident_or_raw();
                self.skip_trivia()?;
                match ident.as_str() {
                    "true" if !raw => Value::Bool(true),
                    "false" if !raw => Value::Bool(false),
                    _ if self.peek() == Some('(') => self.paren(Some(ident), depth)?,
                    _ => Value::Ident(ident),
                }
            }
            other => return Err(self.error(format!("expected a value, found `{other}`"))),
        };
        Ok(Node { value, pos })
    }

    fn ident(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if is_ident_continue(c) {
                s.push(c);
                self.bump();
            } else {
                break;
            }
        }
        s
    }

    /// After an optional name: `(` then a struct body, a tuple body or `()`.
    fn paren(&mut self, name: Option<String>, depth: usize) -> Result<Value, SyntaxError> {
        self.expect('(')?;
        self.skip_trivia()?;
        if self.peek() == Some(')') {
            self.bump();
            return Ok(match name {
                None => Value::Unit,
                Some(n) => Value::Tuple { name: Some(n), items: Vec::new() },
            });
        }
        if self.at_field_key() {
            let mut fields: Vec<(Key, Node)> = Vec::new();
            loop {
                self.skip_trivia()?;
                if self.peek() == Some(')') {
                    self.bump();
                    break;
                }
                let kpos = self.pos();
                if !self.peek().is_some_and(is_ident_start) {
                    return Err(self.error(match self.peek() {
                        Some(c) => format!("expected a field name or `)`, found `{c}`"),
                        None => "expected a field name or `)`, found the end of the file".into(),
                    }));
                }
                let key = self.ident_or_raw();
                self.expect(':')?;
                let v = self.value(depth + 1)?;
                fields.push((Key { name: key, pos: kpos }, v));
                self.skip_trivia()?;
                match self.peek() {
                    Some(',') => {
                        self.bump();
                    }
                    Some(')') => {
                        self.bump();
                        break;
                    }
                    Some(c) => return Err(self.error(format!("expected `,` or `)`, found `{c}`"))),
                    None => return Err(self.error("expected `,` or `)`, found the end of the file")),
                }
            }
            Ok(Value::Struct { name, fields })
        } else {
            let items = self.items(')', depth)?;
            Ok(Value::Tuple { name, items })
        }
    }

    /// True at `r"`, `r#"`, `r##"`...: a raw string, not a raw identifier `r#name`.
    fn at_raw_string(&self) -> bool {
        let mut k = 1;
        while self.peek_at(k) == Some('#') {
            k += 1;
        }
        self.peek() == Some('r') && self.peek_at(k) == Some('"')
    }

    /// True at `r#name`, an identifier written raw (so that it may be a keyword).
    fn at_raw_ident(&self) -> bool {
        self.peek_str("r#") && self.peek_at(2).is_some_and(is_ident_start)
    }

    /// An identifier, or a raw one (`r#type`) without its `r#`.
    fn ident_or_raw(&mut self) -> String {
        if self.at_raw_ident() {
            self.bump();
            self.bump();
        }
        self.ident()
    }

    /// True when the next tokens are `ident :` (a struct field), looking ahead without consuming.
    fn at_field_key(&self) -> bool {
        let mut k = if self.at_raw_ident() { 2 } else { 0 };
        match self.peek_at(k) {
            Some(c) if is_ident_start(c) => {}
            _ => return false,
        }
        while self.peek_at(k).is_some_and(is_ident_continue) {
            k += 1;
        }
        while self.peek_at(k).is_some_and(char::is_whitespace) {
            k += 1;
        }
        self.peek_at(k) == Some(':')
    }

    fn items(&mut self, close: char, depth: usize) -> Result<Vec<Node>, SyntaxError> {
        let mut items = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(close) {
                self.bump();
                return Ok(items);
            }
            items.push(self.value(depth + 1)?);
            self.skip_trivia()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(c) if c == close => {
                    self.bump();
                    return Ok(items);
                }
                Some(c) => return Err(self.error(format!("expected `,` or `{close}`, found `{c}`"))),
                None => {
                    return Err(self.error(format!("expected `,` or `{close}`, found the end of the file")));
                }
            }
        }
    }

    fn map_entries(&mut self, depth: usize) -> Result<Vec<(Node, Node)>, SyntaxError> {
        let mut entries = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some('}') {
                self.bump();
                return Ok(entries);
            }
            let k = self.value(depth + 1)?;
            self.expect(':')?;
            let v = self.value(depth + 1)?;
            entries.push((k, v));
            self.skip_trivia()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some('}') => {
                    self.bump();
                    return Ok(entries);
                }
                Some(c) => return Err(self.error(format!("expected `,` or `}}`, found `{c}`"))),
                None => return Err(self.error("expected `,` or `}`, found the end of the file")),
            }
        }
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos();
        let mut s = String::new();
        if let Some(c @ ('-' | '+')) = self.peek() {
            s.push(c);
            self.bump();
            // `-inf`, `+inf`, `-NaN`
            if self.peek().is_some_and(is_ident_start) {
                let id = self.ident();
                return match id.as_str() {
                    "inf" | "NaN" => Ok(Value::Ident(format!("{s}{id}"))),
                    _ => Err(SyntaxError { pos: start, message: format!("`{s}{id}` is not a number") }),
                };
            }
        }
        while let Some(c) = self.peek() {
            let prev = s.chars().last();
            let sign_after_exp = (c == '-' || c == '+') && matches!(prev, Some('e' | 'E'));
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || sign_after_exp {
                s.push(c);
                self.bump();
            } else {
                break;
            }
        }
        let not_a_number = || SyntaxError { pos: start, message: format!("`{s}` is not a number") };
        let (sign, body) = match s.strip_prefix(['-', '+']) {
            Some(rest) => (&s[..1], rest),
            None => ("", s.as_str()),
        };
        // `0x1F`, `0o17`, `0b101`: written in decimal here, so that the decoder reads one form.
        let radix = [("0x", 16), ("0o", 8), ("0b", 2)].into_iter().find(|(p, _)| body.starts_with(p));
        if let Some((prefix, base)) = radix {
            let digits = &body[prefix.len()..];
            // Only integer suffixes: in `0x1f32` the `f32` is hex digits.
            let (digits, suffix) = match split_suffix(digits) {
                (d, Some(t)) if !t.starts_with('f') => (d, Some(t)),
                _ => (digits, None),
            };
            if digits.starts_with('_') {
                return Err(not_a_number());
            }
            let digits: String = digits.chars().filter(|&c| c != '_').collect();
            let n = u128::from_str_radix(&digits, base).map_err(|_| not_a_number())?;
            let sign = if sign == "-" { "-" } else { "" };
            return Ok(Value::Number(format!("{sign}{n}{}", suffix.unwrap_or(""))));
        }
        let cleaned: String = s.chars().filter(|&c| c != '_').collect();
        let (digits, _) = split_suffix(&cleaned);
        if digits.parse::<f64>().is_err() || digits.ends_with('.') && digits.len() == 1 {
            return Err(not_a_number());
        }
        Ok(Value::Number(cleaned))
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos();
        self.bump(); // opening quote
        let mut s = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(SyntaxError { pos: start, message: "string is never closed (missing `\"`)".into() });
            };
            match c {
                '"' => return Ok(s),
                '\\' => s.push(self.escape(false)?),
                c => s.push(c),
            }
        }
    }

    /// An escape after `\\`. `\\xHH` is one byte: an ASCII character, or in a string (not a
    /// character literal) the first of up to four `\\x` escapes that spell one UTF-8 character.
    fn escape(&mut self, in_char: bool) -> Result<char, SyntaxError> {
        let pos = self.pos();
        let bad = |m: &str| SyntaxError { pos, message: m.to_string() };
        match self.bump() {
            Some('n') => Ok('\n'),
            Some('t') => Ok('\t'),
            Some('r') => Ok('\r'),
            Some('0') => Ok('\0'),
            Some('\\') => Ok('\\'),
            Some('"') => Ok('"'),
            Some('\'') => Ok('\''),
            Some('x') => {
                let mut bytes = vec![self.hex_byte().ok_or_else(|| bad("expected two hex digits after `\\x`"))?];
                loop {
                    if let Some(c) = std::str::from_utf8(&bytes).ok().and_then(|t| t.chars().next()) {
                        return Ok(c);
                    }
                    if in_char || bytes.len() == 4 || !self.peek_str("\\x") {
                        return Err(bad("`\\x` escapes do not spell a UTF-8 character"));
                    }
                    self.bump();
                    self.bump();
                    bytes.push(self.hex_byte().ok_or_else(|| bad("expected two hex digits after `\\x`"))?);
                }
            }
            Some('u') => {
                if self.bump() != Some('{') {
                    return Err(bad("expected `{` after `\\u`"));
                }
                let mut hex = String::new();
                while let Some(c) = self.bump() {
                    if c == '}' {
                        break;
                    }
                    hex.push(c);
                }
                u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).ok_or_else(|| bad("invalid unicode escape"))
            }
            Some(c) => Err(bad(&format!("unknown escape `\\{c}`"))),
            None => Err(bad("escape at the end of the file")),
        }
    }

    /// Two hex digits as a byte.
    fn hex_byte(&mut self) -> Option<u8> {
        let hi = self.bump()?.to_digit(16)?;
        let lo = self.bump()?.to_digit(16)?;
        u8::try_from(hi * 16 + lo).ok()
    }

    fn raw_string(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos();
        self.bump(); // r
        let mut hashes = 0;
        while self.peek() == Some('#') {
            hashes += 1;
            self.bump();
        }
        if self.bump() != Some('"') {
            return Err(SyntaxError { pos: start, message: "expected `\"` in raw string".into() });
        }
        let mut s = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(SyntaxError { pos: start, message: "raw string is never closed".into() });
            };
            if c == '"' && (0..hashes).all(|k| self.peek_at(k) == Some('#')) {
                for _ in 0..hashes {
                    self.bump();
                }
                return Ok(s);
            }
            s.push(c);
        }
    }

    fn char_lit(&mut self) -> Result<char, SyntaxError> {
        let start = self.pos();
        self.bump();
        let c = match self.bump() {
            Some('\\') => self.escape(true)?,
            Some(c) => c,
            None => return Err(SyntaxError { pos: start, message: "character is never closed".into() }),
        };
        if self.bump() != Some('\'') {
            return Err(SyntaxError { pos: start, message: "character literal is never closed".into() });
        }
        Ok(c)
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Type suffixes a RON number may carry (`1u8`, `2.5f32`); the value must then be of that type.
const NUMBER_SUFFIXES: &[&str] = &["i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64", "u128", "f32", "f64"];

/// Splits a number literal into its digits and its type suffix, if it has one.
pub(super) fn split_suffix(text: &str) -> (&str, Option<&'static str>) {
    for suffix in NUMBER_SUFFIXES {
        if let Some(digits) = text.strip_suffix(suffix)
            && !digits.is_empty()
            && digits.ends_with(|c: char| c.is_ascii_hexdigit() || c == '.')
        {
            return (digits, Some(suffix));
        }
    }
    (text, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_structs_lists_and_positions() {
        let doc = "// site\nScene(\n  version: 1,\n  names: [\"a\", \"b\"],\n  pos: (1.5, -2, 3e2),\n  kind: Crane,\n  opt: Some(4),\n)";
        let root = parse(doc).unwrap();
        let Value::Struct { name, fields } = &root.value else { panic!("{root:?}") };
        assert_eq!(name.as_deref(), Some("Scene"));
        assert_eq!(fields.len(), 5);
        assert_eq!(fields[0].0.name, "version");
        assert_eq!(fields[0].0.pos, Pos { line: 3, column: 3 });
        assert_eq!(fields[1].1.pos, Pos { line: 4, column: 10 });
        let Value::Tuple { items, .. } = &fields[2].1.value else { panic!() };
        assert_eq!(items[2].value, Value::Number("3e2".into()));
        assert_eq!(items[1].value, Value::Number("-2".into()));
        assert_eq!(fields[3].1.value, Value::Ident("Crane".into()));
    }

    #[test]
    fn reports_syntax_errors_with_positions() {
        let e = parse("(a: 1,\n b: [1, 2\n)").unwrap_err();
        assert_eq!(e.pos, Pos { line: 3, column: 1 });
        assert!(e.message.contains("expected `,` or `]`"), "{e}");
        let e = parse("(a: \"open").unwrap_err();
        assert!(e.message.contains("never closed"), "{e}");
        let e = parse("(a: 1) x").unwrap_err();
        assert!(e.message.contains("after the end"), "{e}");
        let e = parse("(a: 1.2.3)").unwrap_err();
        assert!(e.message.contains("not a number"), "{e}");
        assert!(parse("").is_err());
        assert!(parse("/* never closed").is_err());
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(10_000);
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e}");
    }

    #[test]
    fn handles_unicode_comments_and_special_floats() {
        let root =
            parse("#![enable(implicit_some)]\n(name: \"南通\", /* c /* nested */ */ x: -inf, y: NaN, r: r#\"a\"b\"#)")
                .unwrap();
        let Value::Struct { fields, .. } = root.value else { panic!() };
        assert_eq!(fields[0].1.value, Value::Str("南通".into()));
        assert_eq!(fields[1].1.value, Value::Ident("-inf".into()));
        assert_eq!(fields[2].1.value, Value::Ident("NaN".into()));
        assert_eq!(fields[3].1.value, Value::Str("a\"b".into()));
        assert_eq!(fields[1].0.pos, Pos { line: 2, column: 35 });
    }
}
