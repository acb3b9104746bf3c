//! A cheap, conservative syntax-tree depth precheck run before oxc sees a file.
//!
//! oxc's parser recurses once per level of right-nested syntax (`a=a=…`,
//! `a?b:a?b:…`, `a=>a=>…`, `new new …`, `**`, `else if`, prefix operators,
//! brackets), and its semantic builder, codegen and our own visitors recurse
//! once per level of the tree, left-nested chains included (`a+a+…`,
//! `a.b.c…`, `f()()…`, `a[0][0]…`). A stack overflow aborts the whole process
//! — no other unit of the scan would be reported — so before parsing we
//! scan the bytes once and compute an upper bound of the tree's depth; a file
//! over the limit is reported "too deep" (not analysed) and never parsed. The
//! analysis thread's stack is sized for the limit (see `crate::analysis_stack`).
//!
//! The bound: every node of an expression or statement tree owns at least one
//! token at its own bracket level (an operator, a keyword, an opening
//! bracket), so along any path from a statement's root the number of nodes
//! at one bracket level is at most the number of such *chain tokens* of that
//! statement (or comma-separated item) at that level. A bracket's contents
//! form a child frame; the depth of a frame is the largest sum of chain
//! tokens and deepest child over its statements and items. Statements end at `;`, at
//! a statement block's `}`, and where automatic semicolon insertion applies
//! (a line break between a token that ends an expression and one that starts
//! one); `else` continues the statement before it, so `else if` chains add up.
//! A frame of statements adds one level (the statement node owns no token).
//! Operators count as the lexer reads them (`===` is one token, `!!` two),
//! so the bound is loose by a small factor on ordinary code and exact
//! enough on chains.
//!
//! The scanner is a tokenizer in miniature. Regular expressions are told from
//! division by the token before the `/`: a keyword such as `return` or
//! `typeof`, an operator, an opening bracket, a control-statement head's `)`
//! or a statement block's `}` mean a regex. Quotes inside JSX text are not
//! strings; in `.jsx`/`.tsx` files the contents of strings therefore also
//! count as chain tokens, so text mistaken for a string cannot hide depth.

/// Where the bound first exceeded the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooDeep {
    /// Byte offset of the token that crossed the limit.
    pub offset: usize,
}

/// How a source is tokenized.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dialect {
    /// JSX is enabled: quotes may be text, so string contents count too.
    pub jsx: bool,
}

/// Returns `Some` when the syntax tree of `source` may be deeper than `max_depth`.
pub fn check(source: &str, max_depth: u32) -> Option<TooDeep> {
    check_with(source, max_depth, Dialect::default())
}

/// [`check`] for a dialect.
pub fn check_with(source: &str, max_depth: u32, dialect: Dialect) -> Option<TooDeep> {
    scanner(source, max_depth, dialect).run().err()
}

/// The bound itself (the smallest `max_depth` that [`check_with`] accepts).
pub fn bound(source: &str, dialect: Dialect) -> u32 {
    let mut s = scanner(source, u32::MAX, dialect);
    let _ = s.run();
    u32::try_from(s.deepest).unwrap_or(u32::MAX)
}

fn scanner(source: &str, max_depth: u32, dialect: Dialect) -> Scanner<'_> {
    Scanner {
        b: source.as_bytes(),
        max: max_depth,
        jsx: dialect.jsx,
        frames: vec![Frame::new(Open::Top)],
        prefix: 0,
        prev: Prev::Start,
        line_break: false,
        function_pending: None,
        paren_head: ParenKind::Expr,
        closed_paren: false,
        after_paren: false,
        arrow_pending: false,
        label_candidate: false,
        case_pending: false,
        prev_word_export: false,
        deepest: 0,
    }
}

/// What opened a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Top,
    /// `(`: what kind of parenthesis.
    Paren(ParenKind),
    Bracket,
    /// `{` in statement position: a block, a function or class body, a
    /// switch body. `decl` = its `}` ends a statement (not a function or
    /// class *expression*, not an arrow body).
    Block {
        decl: bool,
        arrow: bool,
    },
    /// `{` in expression position: an object literal, a class expression body.
    Object,
    /// `${` inside a template literal.
    Template,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ParenKind {
    /// The head of `if`/`while`/`for`/`with`/`switch`/`catch`: a statement
    /// (possibly starting with a regex) follows its `)`.
    Control,
    /// The parameters of a function declaration: its body is a statement block.
    DeclParams,
    /// Anything else: a call, grouping, or the parameters of an expression.
    Expr,
}

#[derive(Clone, Copy, Debug)]
struct Frame {
    open: Open,
    /// Chain tokens of the current statement/item at this level.
    cnt: u32,
    /// Deepest child frame closed within the current statement/item.
    sub: u32,
    /// Largest `cnt + sub` over finished statements/items of this frame.
    best: u32,
    /// `cnt + sub` of the statement just ended (for `else`).
    last: u32,
    /// Is `{` here in statement position (start of a statement)?
    stmt_start: bool,
}

impl Frame {
    fn new(open: Open) -> Frame {
        Frame {
            open,
            cnt: 0,
            sub: 0,
            best: 0,
            last: 0,
            stmt_start: true,
        }
    }

    fn statements(&self) -> bool {
        matches!(self.open, Open::Top | Open::Block { .. })
    }

    /// A frame of statements adds the statement node itself, which owns no
    /// token of its own (`ExpressionStatement`).
    fn extra(&self) -> u32 {
        u32::from(self.statements())
    }
}

/// The previous significant token, for regex/division and ASI decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prev {
    Start,
    /// An identifier, literal, `)`/`]`/`}` of an expression, `++`/`--`:
    /// a `/` after it divides, and a line break after it may end a statement.
    Operand,
    /// A keyword after which an expression starts (`return`, `typeof`, …).
    KeywordOperator,
    /// A contextual keyword that may be an identifier, or an arrow body's
    /// `}`: a `/` is taken for a regex whose body is counted as code.
    Ambiguous,
    /// An operator, `,`, `;`, `(`, `[`, `{`, `:`: an expression starts next.
    Operator,
    /// The `)` of a control head or the `}` of a statement block: a
    /// statement starts next.
    StatementEnd,
}

struct Scanner<'s> {
    b: &'s [u8],
    max: u32,
    jsx: bool,
    frames: Vec<Frame>,
    /// Σ (cnt + 1) over the frames below the innermost.
    prefix: u32,
    prev: Prev,
    /// A line break since the previous significant token.
    line_break: bool,
    /// The previous token was a `)` / the current one follows a `)`: a `{`
    /// there is a body (function, method, control statement), never an object.
    closed_paren: bool,
    after_paren: bool,
    /// `=>` seen: a `{` next is the arrow's body.
    arrow_pending: bool,
    /// A word at the start of a statement: a `:` after it ends a label.
    label_candidate: bool,
    /// `case`/`default` seen: the next `:` starts a statement.
    case_pending: bool,
    /// The previous word was `export` or `export default`.
    prev_word_export: bool,
    /// The largest bound seen so far.
    deepest: u64,
    /// `function`/`class` seen and whether it is a declaration; decides
    /// the kind of the next `(` / `{`.
    function_pending: Option<bool>,
    /// Kind for the next `(` (set by control keywords).
    paren_head: ParenKind,
}

/// Words that are operators or statement keywords: each one can own a node.
const KEYWORDS: &[&str] = &[
    "new",
    "typeof",
    "void",
    "delete",
    "await",
    "yield",
    "in",
    "instanceof",
    "of",
    "as",
    "satisfies",
    "keyof",
    "infer",
    "is",
    "extends",
    "class",
    "function",
    "async",
    "if",
    "else",
    "for",
    "while",
    "do",
    "with",
    "return",
    "throw",
    "case",
    "default",
    "switch",
    "try",
    "catch",
    "finally",
    "var",
    "let",
    "const",
    "import",
    "export",
    "get",
    "set",
    "static",
    "readonly",
    "declare",
    "abstract",
    "unique",
    "asserts",
    "accessor",
    "using",
];

/// After these words an expression starts (so `/` begins a regex).
const EXPRESSION_BEFORE: &[&str] = &[
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
    "extends",
];

impl Scanner<'_> {
    fn run(&mut self) -> Result<(), TooDeep> {
        let b = self.b;
        let mut i = 0usize;
        while i < b.len() {
            let c = b[i];
            let blank = matches!(c, b'\n' | b'\r' | b' ' | b'\t' | 0x0b | 0x0c);
            let comment = c == b'/' && matches!(b.get(i + 1), Some(b'/' | b'*'));
            if !(blank || comment) {
                self.after_paren = std::mem::take(&mut self.closed_paren);
                if c != b':' {
                    self.label_candidate = false;
                }
            }
            match c {
                b'\n' | b'\r' => {
                    self.line_break = true;
                    i += 1;
                }
                b' ' | b'\t' | 0x0b | 0x0c => i += 1,
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                }
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    let end =
                        memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |n| i + 2 + n + 2);
                    if memchr::memchr2(b'\n', b'\r', &b[i..end]).is_some() {
                        self.line_break = true;
                    }
                    i = end;
                }
                b'/' if self.regex_allowed() => {
                    self.operand_start();
                    let end = skip_regex(b, i);
                    // After a contextual keyword (`yield`, `await`, `of` may
                    // be identifiers) or an arrow body the parser may read
                    // division after all: then the body is code, and its
                    // operators count.
                    if self.prev == Prev::Ambiguous {
                        self.count_text(i, end)?;
                    }
                    i = end;
                    self.prev = Prev::Operand;
                }
                b'\'' | b'"' => {
                    self.operand_start();
                    let end = skip_string(b, i, c);
                    if self.jsx {
                        self.count_text(i, end)?;
                    }
                    i = end;
                    self.prev = Prev::Operand;
                }
                b'`' => {
                    // A template literal (or a tagged one: one more node).
                    self.operand_start();
                    self.chain(i)?;
                    i = self.template_part(i + 1)?;
                }
                b'}' if self.top().open == Open::Template => {
                    self.close(i)?;
                    i = self.template_part(i + 1)?;
                }
                b'(' | b'[' | b'{' => {
                    self.open(c, i)?;
                    i += 1;
                }
                b')' | b']' | b'}' => {
                    self.close_bracket(c, i)?;
                    i += 1;
                }
                b';' => {
                    self.end_statement();
                    self.prev = Prev::Operator;
                    i += 1;
                }
                b',' => {
                    self.end_item();
                    self.prev = Prev::Operator;
                    i += 1;
                }
                b'=' if b.get(i + 1) == Some(&b'>') => {
                    // An arrow: one node; a `{` after it is a body (no statement end).
                    self.chain(i)?;
                    self.prev = Prev::Operator;
                    self.arrow_pending = true;
                    i += 2;
                }
                b'+' | b'-' if b.get(i + 1) == Some(&c) && self.prev == Prev::Operand => {
                    // Postfix `++`/`--` (or a prefix one on the next line: then
                    // ASI ends the statement first, which is only looser).
                    self.chain(i)?;
                    i += 2;
                }
                b'=' | b'+' | b'-' | b'*' | b'%' | b'<' | b'>' | b'&' | b'|' | b'^' | b'!'
                | b'~' | b'?' | b':' | b'.' | b'/' | b'@' | b'#' => {
                    if c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                        // `.5`: a number.
                        self.operand_start();
                        i = skip_word(b, i + 1);
                        self.prev = Prev::Operand;
                        continue;
                    }
                    self.chain(i)?;
                    // `:` after a label or a case starts a statement; elsewhere
                    // it is an operator. Either way an expression may follow.
                    let len = punctuator_len(&b[i..]);
                    self.prev = Prev::Operator;
                    let statement = c == b':'
                        && self.top().statements()
                        && (std::mem::take(&mut self.label_candidate)
                            || std::mem::take(&mut self.case_pending));
                    self.top_mut().stmt_start = statement;
                    self.prev_word_export = false;
                    i += len;
                }
                _ => {
                    // Identifiers, keywords, numbers, and any other byte
                    // (non-ASCII identifiers, `\u` escapes): a word.
                    let end = skip_word(b, i).max(i + 1);
                    self.word(i, end)?;
                    i = end;
                }
            }
        }
        // Unclosed frames: fold them down as if closed at the end.
        while self.frames.len() > 1 {
            self.close(b.len())?;
        }
        Ok(())
    }

    fn top(&self) -> &Frame {
        self.frames.last().expect("the top frame is never popped")
    }

    fn top_mut(&mut self) -> &mut Frame {
        self.frames
            .last_mut()
            .expect("the top frame is never popped")
    }

    fn regex_allowed(&self) -> bool {
        match self.prev {
            Prev::Start
            | Prev::KeywordOperator
            | Prev::Ambiguous
            | Prev::Operator
            | Prev::StatementEnd => true,
            Prev::Operand => false,
        }
    }

    /// The bound along the current path, checked against the limit.
    fn check(&mut self, at: usize) -> Result<(), TooDeep> {
        let f = self.top();
        let depth =
            u64::from(self.prefix) + u64::from(f.cnt) + u64::from(f.sub) + u64::from(f.extra());
        self.deepest = self.deepest.max(depth);
        if depth > u64::from(self.max) {
            Err(TooDeep { offset: at })
        } else {
            Ok(())
        }
    }

    /// One more chain token at this level.
    fn chain(&mut self, at: usize) -> Result<(), TooDeep> {
        let f = self.top_mut();
        f.cnt = f.cnt.saturating_add(1);
        self.check(at)
    }

    /// Text of a string or regex literal counted as if it were code (JSX).
    fn count_text(&mut self, start: usize, end: usize) -> Result<(), TooDeep> {
        let n = self.b[start..end]
            .iter()
            .filter(|&&c| !(c.is_ascii_alphanumeric() || c == b' ' || c == b'_' || c >= 0x80))
            .count();
        let f = self.top_mut();
        f.cnt = f.cnt.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
        self.check(end.saturating_sub(1).max(start))
    }

    /// An operand begins (identifier, literal, string, template, regex):
    /// after a line break that follows another operand, automatic semicolon
    /// insertion ends the statement.
    fn operand_start(&mut self) {
        if self.line_break && self.prev == Prev::Operand && self.top().statements() {
            self.end_statement();
        }
        self.line_break = false;
        self.top_mut().stmt_start = false;
    }

    fn word(&mut self, start: usize, end: usize) -> Result<(), TooDeep> {
        let w = std::str::from_utf8(&self.b[start..end]).unwrap_or("");
        if w == "else" || w == "catch" || w == "finally" {
            // Continues the statement that ended just before.
            self.line_break = false;
            let f = self.top_mut();
            f.cnt = f.cnt.max(f.last);
            self.chain(start)?;
            self.prev = Prev::KeywordOperator;
            self.top_mut().stmt_start = true;
            return Ok(());
        }
        let keyword = is_keyword(w);
        // Binary keyword operators continue an expression across a line break.
        let continues = matches!(
            w,
            "in" | "instanceof" | "of" | "as" | "satisfies" | "extends"
        );
        if !continues {
            self.operand_start();
        }
        self.line_break = false;
        let at_statement_start = self.top().stmt_start || self.prev == Prev::StatementEnd;
        let after_export = std::mem::take(&mut self.prev_word_export);
        if keyword {
            self.chain(start)?;
            match w {
                "if" | "while" | "for" | "with" | "switch" | "catch" => {
                    self.paren_head = ParenKind::Control;
                }
                "function" | "class" => {
                    // A declaration in statement position (also after
                    // `export`, `export default`, `async`); an expression elsewhere.
                    self.function_pending = Some(at_statement_start || after_export);
                }
                "case" => self.case_pending = true,
                "default" if !after_export => self.case_pending = true,
                _ => {}
            }
            self.prev = if matches!(w, "yield" | "await" | "of") {
                Prev::Ambiguous
            } else if EXPRESSION_BEFORE.contains(&w) {
                Prev::KeywordOperator
            } else {
                Prev::Operator
            };
            // After these a statement (or declaration) may still start.
            let keeps = matches!(w, "do" | "try" | "finally" | "else")
                || (matches!(w, "async" | "export" | "declare" | "abstract") && at_statement_start);
            self.top_mut().stmt_start = keeps;
            self.prev_word_export = matches!(w, "export" | "async" | "declare" | "abstract")
                || (w == "default" && after_export);
            self.label_candidate = false;
        } else {
            self.label_candidate = at_statement_start && self.top().statements();
            self.prev = Prev::Operand;
            self.top_mut().stmt_start = false;
        }
        Ok(())
    }

    fn open(&mut self, c: u8, at: usize) -> Result<(), TooDeep> {
        // `(`/`[`/template after an operand continue the expression (a call,
        // a member): no ASI. `{` after an operand on a new line does not.
        if c == b'{'
            && self.line_break
            && matches!(self.prev, Prev::Operand)
            && self.top().statements()
            && self.function_pending.is_none()
        {
            self.end_statement();
        }
        self.line_break = false;
        let open = match c {
            b'(' => {
                let kind = if self.function_pending == Some(true) {
                    ParenKind::DeclParams
                } else {
                    std::mem::replace(&mut self.paren_head, ParenKind::Expr)
                };
                if kind != ParenKind::DeclParams {
                    self.paren_head = ParenKind::Expr;
                }
                Open::Paren(kind)
            }
            b'[' => Open::Bracket,
            _ => {
                if std::mem::take(&mut self.arrow_pending) {
                    self.function_pending = None;
                    self.chain(at)?;
                    let f = *self.top();
                    self.prefix = self.prefix.saturating_add(f.cnt).saturating_add(f.extra());
                    self.frames.push(Frame::new(Open::Block {
                        decl: false,
                        arrow: true,
                    }));
                    self.prev = Prev::Operator;
                    return Ok(());
                }
                let statement = match self.prev {
                    Prev::Start | Prev::StatementEnd => true,
                    Prev::Operator | Prev::KeywordOperator | Prev::Ambiguous => {
                        self.top().stmt_start
                    }
                    Prev::Operand => false,
                };
                match self.function_pending.take() {
                    // A function/class body: a statement when declared.
                    Some(decl) => Open::Block { decl, arrow: false },
                    // A method or control body (`m() {…}` in a class body).
                    None if self.after_paren => Open::Block {
                        decl: self.top().statements(),
                        arrow: false,
                    },
                    None if statement && self.top().statements() => Open::Block {
                        decl: true,
                        arrow: false,
                    },
                    None => Open::Object,
                }
            }
        };
        self.arrow_pending = false;
        if c != b'(' {
            self.function_pending = None;
        }
        self.chain(at)?;
        let f = *self.top();
        self.prefix = self.prefix.saturating_add(f.cnt).saturating_add(f.extra());
        self.frames.push(Frame::new(open));
        self.prev = Prev::Operator;
        Ok(())
    }

    /// Close the innermost frame; its depth goes to the parent.
    fn close(&mut self, at: usize) -> Result<Open, TooDeep> {
        if self.frames.len() <= 1 {
            // A stray closer: nothing to close.
            return Ok(Open::Top);
        }
        let f = self.frames.pop().expect("more than one frame");
        let depth = f
            .best
            .max(f.cnt.saturating_add(f.sub))
            .saturating_add(f.extra());
        let parent = self.top_mut();
        parent.sub = parent.sub.max(depth);
        let below = parent.cnt.saturating_add(parent.extra());
        self.prefix = self.prefix.saturating_sub(below);
        self.check(at)?;
        Ok(f.open)
    }

    fn close_bracket(&mut self, c: u8, at: usize) -> Result<(), TooDeep> {
        self.line_break = false;
        let open = self.close(at)?;
        self.prev = match (c, open) {
            (b')', Open::Paren(ParenKind::Control)) => Prev::StatementEnd,
            (b')', Open::Paren(ParenKind::DeclParams)) => {
                self.function_pending = Some(true);
                Prev::Operand
            }
            (b')', _) => {
                self.closed_paren = true;
                Prev::Operand
            }
            // After an arrow's body only a new statement (ASI) can start
            // with `/`: a regex.
            (b'}', Open::Block { arrow: true, .. }) => Prev::Ambiguous,
            (b'}', Open::Block { decl: true, .. }) => {
                // The block ends a statement, unless `else`/`catch`/`finally`/
                // `while` continue it (then `word` restores the count).
                self.end_statement();
                Prev::StatementEnd
            }
            _ => Prev::Operand,
        };
        self.top_mut().stmt_start = self.prev == Prev::StatementEnd;
        Ok(())
    }

    fn end_item(&mut self) {
        let f = self.top_mut();
        f.best = f.best.max(f.cnt.saturating_add(f.sub));
        f.cnt = 0;
        f.sub = 0;
        self.line_break = false;
    }

    fn end_statement(&mut self) {
        let f = self.top_mut();
        let here = f.cnt.saturating_add(f.sub);
        f.best = f.best.max(here);
        f.last = here;
        f.cnt = 0;
        f.sub = 0;
        f.stmt_start = true;
        self.line_break = false;
        self.function_pending = None;
        self.paren_head = ParenKind::Expr;
    }

    /// Template text from `i` (after a backtick or a `}`): up to the closing
    /// backtick, or to a `${`, which opens a frame. Returns where to go on.
    fn template_part(&mut self, i: usize) -> Result<usize, TooDeep> {
        let (next, open) = skip_template(self.b, i);
        if open {
            // The `${`: a child frame of the template's level.
            self.chain(next - 2)?;
            let f = *self.top();
            self.prefix = self.prefix.saturating_add(f.cnt).saturating_add(f.extra());
            self.frames.push(Frame::new(Open::Template));
            self.prev = Prev::Operator;
        } else {
            self.prev = Prev::Operand;
        }
        self.line_break = false;
        Ok(next)
    }
}

/// Length of the punctuator at the start of `b` (longest match, as a JS
/// lexer reads it): `===` is one token, `!!` two.
fn punctuator_len(b: &[u8]) -> usize {
    const LONG: &[&[u8]] = &[
        b">>>=", b"...", b"===", b"!==", b"**=", b"<<=", b">>=", b">>>", b"&&=", b"||=", b"??=",
        b"==", b"!=", b"<=", b">=", b"&&", b"||", b"??", b"**", b"++", b"--", b"<<", b">>", b"+=",
        b"-=", b"*=", b"/=", b"%=", b"&=", b"|=", b"^=",
    ];
    if b.starts_with(b"?.") && !b.get(2).is_some_and(u8::is_ascii_digit) {
        return 2;
    }
    LONG.iter()
        .find(|p| b.starts_with(p))
        .map_or(1, |p| p.len())
}

fn skip_word(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| !WORD_BYTE[usize::from(c)])
        .map_or(b.len(), |n| i + n)
}

/// Bytes that continue a word: ASCII letters and digits, `_`, `$`, `\\`
/// (an escape), any byte of a non-ASCII character.
const WORD_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'\\' || b >= 0x80;
        c += 1;
    }
    t
};

/// Is `w` one of [`KEYWORDS`]? Most words of a bundle are not: minified
/// identifiers are one or two characters, or contain a capital, a digit or
/// `_`/`$`; those are turned away before the list is searched.
fn is_keyword(w: &str) -> bool {
    let b = w.as_bytes();
    (2..=10).contains(&b.len()) && b.iter().all(u8::is_ascii_lowercase) && KEYWORDS.contains(&w)
}

fn skip_string(b: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    // Jump between the only bytes that matter (strings are a large share of a bundle).
    while let Some(n) = b
        .get(i..)
        .and_then(|rest| memchr::memchr3(quote, b'\\', b'\n', rest))
    {
        i += n;
        if b[i] == b'\\' {
            i += 2;
        } else {
            return i + 1;
        }
    }
    b.len()
}

/// Skips template text from `i`; returns the offset after the closing backtick
/// (`false`) or after a `${` (`true`).
fn skip_template(b: &[u8], mut i: usize) -> (usize, bool) {
    while let Some(n) = b
        .get(i..)
        .and_then(|rest| memchr::memchr3(b'`', b'\\', b'$', rest))
    {
        i += n;
        match b[i] {
            b'\\' => i += 2,
            b'`' => return (i + 1, false),
            _ if b.get(i + 1) == Some(&b'{') => return (i + 2, true),
            _ => i += 1,
        }
    }
    (b.len(), false)
}

fn skip_regex(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    let mut in_class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'[' => {
                in_class = true;
                i += 1;
            }
            b']' => {
                in_class = false;
                i += 1;
            }
            b'/' if !in_class => return skip_word(b, i + 1),
            b'\n' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(src: &str) -> u32 {
        let b = super::bound(src, Dialect::default());
        assert!(check(src, b).is_none() && (b == 0 || check(src, b - 1).is_some()));
        b
    }

    #[test]
    fn brackets_count_outside_strings_comments_regex() {
        assert!(check("f((((x))))", 12).is_none());
        assert!(bound("f((((x))))") >= 5);
        let in_string = format!(
            "x = '{}' + \"{}\" // {}\n/* {} */",
            "(".repeat(50),
            "[".repeat(50),
            "{".repeat(50),
            "(".repeat(50)
        );
        assert!(bound(&in_string) < 10);
        assert!(bound(r"x = /\(((((/g.test(s)") < 20);
        assert!(bound("a = b / (c) / d") < 10);
    }

    #[test]
    fn statements_do_not_add_up() {
        let flat = "if (a) { b(); }\n".repeat(2000);
        assert!(bound(&flat) < 10, "{}", bound(&flat));
        let asi = "x = 1\ny = f(x)\n".repeat(2000);
        assert!(bound(&asi) < 10, "{}", bound(&asi));
        let minified = "var a=1,b=2;function f(c){return c+1}f(a);".repeat(2000);
        assert!(bound(&minified) < 12, "{}", bound(&minified));
        let items = format!("x = {{{}}};", "a: 1, ".repeat(5000));
        assert!(bound(&items) < 10, "{}", bound(&items));
    }

    #[test]
    fn chains_add_up() {
        for (src, at_least) in [
            ("a=".repeat(100) + "1", 100),
            ("a?b:".repeat(100) + "c", 200),
            ("x=".to_string() + &"a=>".repeat(100) + "1", 100),
            ("x=".to_string() + &"new ".repeat(100) + "X", 100),
            ("x=a".to_string() + &"**a".repeat(100), 100),
            ("if(a)b;".to_string() + &"else if(a)b;".repeat(100), 100),
            ("x=a".to_string() + &"+a".repeat(100), 100),
            ("x=a".to_string() + &".a".repeat(100), 100),
            ("x=f".to_string() + &"()".repeat(100), 100),
            ("x=a".to_string() + &"[0]".repeat(100), 100),
            ("x=".to_string() + &"!".repeat(100) + "a", 100),
            ("x=".to_string() + &"typeof ".repeat(100) + "a", 100),
            ("a:".repeat(100) + "b;", 100),
            ("if(a)".repeat(100) + "b;", 100),
            ("x=`${".repeat(100) + "1" + &"}`".repeat(100), 100),
        ] {
            let b = bound(&src);
            assert!(b >= at_least, "{}…: {b}", &src[..20]);
        }
    }

    #[test]
    fn regex_after_keywords_and_control_heads() {
        // `/'/` is a regex here; the quote must not swallow the chain after it.
        let chain = "a=".repeat(300);
        for prefix in ["return/'/.test(x),", "if(x)/'/.test(y);", "x=typeof/'/;"] {
            let src = format!("function f(){{{prefix}{chain}1;'}}");
            assert!(bound(&src) >= 300, "{prefix}: {}", bound(&src));
        }
        // Division after an operand: the quote is a string.
        assert!(bound("x = a / 'a=a=a=a=a=a=a=a' / b") < 10);
    }

    #[test]
    fn jsx_text_cannot_hide_a_chain() {
        let src = format!("x = <a>don't {}1</a>;", "a=".repeat(300));
        assert!(check_with(&src, 100, Dialect { jsx: true }).is_some());
    }

    #[test]
    fn templates() {
        assert!(check("`a ${ `b ${ c } d` } e`", 10).is_none());
        assert!(check("`a ${ `b ${ c } d` } e`", 3).is_some());
        let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(check(&deep, 2000).is_some());
    }

    #[test]
    fn keyword_prefilter_agrees_with_the_list() {
        for w in KEYWORDS {
            assert!(is_keyword(w), "{w}");
        }
        // Every word made of up to three letters from a small alphabet,
        // and a few near misses of keywords.
        let letters = [
            "", "a", "e", "i", "n", "s", "t", "w", "A", "_", "$", "1", "é",
        ];
        for x in letters {
            for y in letters {
                for z in letters {
                    let w = format!("{x}{y}{z}");
                    assert_eq!(is_keyword(&w), KEYWORDS.contains(&w.as_str()), "{w:?}");
                }
            }
        }
        for w in [
            "News",
            "neW",
            "instanceofx",
            "typeof_",
            "asynC",
            "function1",
            "of",
        ] {
            assert_eq!(is_keyword(w), KEYWORDS.contains(&w), "{w:?}");
        }
    }

    #[test]
    fn word_table_matches_the_word_rule() {
        for c in 0..=255u8 {
            let rule =
                c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == b'\\' || c >= 0x80;
            assert_eq!(WORD_BYTE[usize::from(c)], rule, "{c}");
        }
        assert_eq!(skip_word(b"ab$c_\\u0041\xc3\xa9 x", 0), 13);
        assert_eq!(skip_word(b"abc", 1), 3);
        assert_eq!(skip_word(b"a+b", 1), 1);
    }
}
