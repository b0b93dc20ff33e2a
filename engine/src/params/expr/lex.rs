//! Tokens of an expression, read one at a time (no token list is built).

use super::ExprError;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Tok {
    Num(f64),
    /// A name: `time`, `sin`, `audio.bass` (dotted parts lex as one name).
    Ident,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    /// `^` or `**`.
    Caret,
    LParen,
    RParen,
    Comma,
    Question,
    Colon,
    Lt,
    Le,
    Gt,
    Ge,
    EqEq,
    Ne,
    AndAnd,
    OrOr,
    Bang,
    End,
}

impl Tok {
    /// How it reads in messages.
    pub(super) fn describe(self, text: &str) -> String {
        if self == Self::End {
            "the end".into()
        } else {
            format!("`{text}`")
        }
    }
}

/// A token and its byte range in the expression.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// Reads tokens from `text`.
pub(super) struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    fn peek_byte(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    /// The next token.
    pub(super) fn next_token(&mut self) -> Result<Token, ExprError> {
        while self.peek_byte(0).is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(b) = self.peek_byte(0) else {
            return Ok(Token {
                tok: Tok::End,
                start,
                end: start,
            });
        };
        let two = |s: &mut Self, tok: Tok| {
            s.pos += 2;
            tok
        };
        let one = |s: &mut Self, tok: Tok| {
            s.pos += 1;
            tok
        };
        let next = self.peek_byte(1);
        let tok = match b {
            b'0'..=b'9' | b'.' => return self.number(),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                self.ident();
                Tok::Ident
            }
            b'+' => one(self, Tok::Plus),
            b'-' => one(self, Tok::Minus),
            b'*' if next == Some(b'*') => two(self, Tok::Caret),
            b'*' => one(self, Tok::Star),
            b'/' => one(self, Tok::Slash),
            b'%' => one(self, Tok::Percent),
            b'^' => one(self, Tok::Caret),
            b'(' => one(self, Tok::LParen),
            b')' => one(self, Tok::RParen),
            b',' => one(self, Tok::Comma),
            b'?' => one(self, Tok::Question),
            b':' => one(self, Tok::Colon),
            b'<' if next == Some(b'=') => two(self, Tok::Le),
            b'<' => one(self, Tok::Lt),
            b'>' if next == Some(b'=') => two(self, Tok::Ge),
            b'>' => one(self, Tok::Gt),
            b'=' if next == Some(b'=') => two(self, Tok::EqEq),
            b'!' if next == Some(b'=') => two(self, Tok::Ne),
            b'!' => one(self, Tok::Bang),
            b'&' if next == Some(b'&') => two(self, Tok::AndAnd),
            b'|' if next == Some(b'|') => two(self, Tok::OrOr),
            _ => return Err(self.bad_char(start)),
        };
        Ok(Token {
            tok,
            start,
            end: self.pos,
        })
    }

    /// `time`, `audio.bass`: a letter or `_`, then letters, digits, `_`, and `.` followed
    /// by a letter or `_`.
    fn ident(&mut self) {
        loop {
            while self
                .peek_byte(0)
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
            {
                self.pos += 1;
            }
            let dotted = self.peek_byte(0) == Some(b'.')
                && self
                    .peek_byte(1)
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
            if !dotted {
                return;
            }
            self.pos += 1;
        }
    }

    /// `12`, `1.5`, `.5`, `1.`, `1e-3`, `2.5E+4`.
    fn number(&mut self) -> Result<Token, ExprError> {
        let start = self.pos;
        let digits = |s: &mut Self| {
            let from = s.pos;
            while s.peek_byte(0).is_some_and(|c| c.is_ascii_digit()) {
                s.pos += 1;
            }
            s.pos - from
        };
        let mut count = digits(self);
        if self.peek_byte(0) == Some(b'.') {
            self.pos += 1;
            count += digits(self);
        }
        if count == 0 {
            return Err(ExprError::new(
                "a lone `.`",
                start..self.pos,
                Some("numbers are written `0.5` or `.5`".into()),
            ));
        }
        if matches!(self.peek_byte(0), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(self.peek_byte(1), Some(b'+' | b'-')));
            if self.peek_byte(1 + sign).is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1 + sign;
                digits(self);
            }
        }
        let text = &self.text[start..self.pos];
        let value: f64 = text.parse().map_err(|_| {
            ExprError::new(format!("`{text}` is not a number"), start..self.pos, None)
        })?;
        if !value.is_finite() {
            return Err(ExprError::new(
                format!("the number `{text}` is too large"),
                start..self.pos,
                Some("numbers must be below 1.8e308".into()),
            ));
        }
        if self
            .peek_byte(0)
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        {
            let at = self.pos;
            self.ident();
            return Err(ExprError::new(
                format!(
                    "expected an operator after `{text}`, found `{}`",
                    &self.text[at..self.pos]
                ),
                at..self.pos,
                Some(format!(
                    "multiply explicitly: `{text} * {}`",
                    &self.text[at..self.pos]
                )),
            ));
        }
        Ok(Token {
            tok: Tok::Num(value),
            start,
            end: self.pos,
        })
    }

    fn bad_char(&self, start: usize) -> ExprError {
        let c = self.text[start..].chars().next().unwrap_or(' ');
        let end = start + c.len_utf8();
        let hint = match c {
            '=' => "compare with `==`; an expression gives a value, it assigns nothing",
            '&' => "`and` is `&&`",
            '|' => "`or` is `||`",
            '[' | ']' | '{' | '}' => "group with `(` and `)`",
            '"' | '\'' => "the expression is the text inside the quotes",
            _ => {
                "expressions hold numbers, variables (`time`), functions (`sin(x)`) and `+ - * / % ^ < > == && || ! ?:`"
            }
        };
        ExprError::new(
            format!("unexpected character `{}`", c.escape_debug()),
            start..end,
            Some(hint.into()),
        )
    }
}
