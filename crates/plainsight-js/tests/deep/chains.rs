//! Deep syntax, generated: one chain per kind (`chain`) and arbitrary mixes
//! of kinds (`mixed`, driven by bytes). Shared by `tests/deep_chains.rs`
//! (stable) and the `js_deep` fuzz target, so both run the same inputs.

/// Every right- and left-nested shape the parser, the semantic builder or a
/// visitor recurses on.
pub const KINDS: &[&str] = &[
    "assign",
    "ternary",
    "arrow",
    "new",
    "exp",
    "elseif",
    "ifif",
    "for",
    "while",
    "label",
    "binary",
    "logical",
    "member",
    "computed",
    "call",
    "optional",
    "tagged",
    "unary",
    "typeof",
    "void",
    "neg",
    "await",
    "yield",
    "paren",
    "array",
    "object",
    "block",
    "func",
    "arrowblock",
    "template",
    "class",
    "spread",
    "asyncarrow",
    "instanceof",
    "nullish",
    "compound",
    "do",
    "ts_generic",
    "jsx",
];

/// `kind` nested `n` deep, and the file name that selects its dialect.
pub fn chain(kind: &str, n: usize) -> (String, &'static str) {
    let r = |s: &str| s.repeat(n);
    let src = match kind {
        "assign" => format!("{}1;", r("a=")),
        "ternary" => format!("{}c;", r("a?b:")),
        "arrow" => format!("x={}1;", r("a=>")),
        "new" => format!("x={}X;", r("new ")),
        "exp" => format!("x={}a;", r("a**")),
        "elseif" => format!("if(a)b;{}", r("else if(a)b;")),
        "ifif" => format!("{}b;", r("if(a)")),
        "for" => format!("{}b;", r("for(;;)")),
        "while" => format!("{}b;", r("while(a)")),
        "label" => format!("{}b;", r("a:")),
        "binary" => format!("x=a{};", r("+a")),
        "logical" => format!("x=a{};", r("&&a")),
        "member" => format!("x=a{};", r(".a")),
        "computed" => format!("x=a{};", r("[0]")),
        "call" => format!("x=f{};", r("()")),
        "optional" => format!("x=a{};", r("?.a")),
        "tagged" => format!("x=a{};", r("``")),
        "unary" => format!("x={}a;", r("!")),
        "typeof" => format!("x={}a;", r("typeof ")),
        "void" => format!("x={}a;", r("void ")),
        "neg" => format!("x={}a;", r("- ")),
        "await" => format!("async function f(){{x={}a}}", r("await ")),
        "yield" => format!("function*f(){{x={}a}}", r("yield ")),
        "paren" => format!("x={}1{};", r("("), r(")")),
        "array" => format!("x={}1{};", r("["), r("]")),
        "object" => format!("x={}1{};", r("{a:"), r("}")),
        "block" => format!("{}{}", r("{"), r("}")),
        "func" => format!("{}{}", r("function f(){"), r("}")),
        "arrowblock" => format!("x={}1{};", r("()=>{return "), r("}")),
        "template" => format!("x={}1{};", r("`${"), r("}`")),
        "class" => format!("x={}class{{}}{};", r("class extends "), r("{}")),
        "spread" => format!("x=[{}a{}];", r("...["), r("]")),
        "asyncarrow" => format!("x={}1;", r("async a=>")),
        "instanceof" => format!("x=a{};", r(" instanceof a")),
        "nullish" => format!("x=a{};", r("??a")),
        "compound" => format!("{}1;", r("a+=")),
        "do" => format!("{}b;{}", r("do "), r("while(a);")),
        "ts_generic" => {
            return (
                format!("let x: {}number{} = 1;", r("A<"), r(">")),
                "deep.ts",
            );
        }
        "jsx" => return (format!("x = {}1{};", r("<a>{"), r("}</a>")), "deep.jsx"),
        _ => panic!("unknown kind {kind}"),
    };
    (src, "deep.js")
}

/// Expression wrappers for [`mixed`]: text before and after an expression.
const WRAP: &[(&str, &str)] = &[
    ("a=", ""),
    ("a?b:", ""),
    ("a=>", ""),
    ("!", ""),
    ("typeof ", ""),
    ("- ", ""),
    ("(", ")"),
    ("[", "]"),
    ("{a:", "}"),
    ("`${", "}`"),
    ("f(", ")"),
    ("", "+a"),
    ("", ".a"),
    ("", "()"),
    ("", "[0]"),
    ("", "&&a"),
    ("new ", ""),
    ("()=>{return ", "}"),
    ("a**", ""),
    ("/'/.test(a),", ""),
];

/// Statement wrappers for [`mixed`].
const STMT: &[(&str, &str)] = &[
    ("if(a)", ""),
    ("{", "}"),
    ("function f(){", "}"),
    ("a:", ""),
    ("while(a)", ""),
    ("if(a)b;else ", ""),
    ("for(;;)", ""),
    ("try{", "}finally{}"),
];

/// A program of mixed chains chosen by `data`: pairs of (kind, count),
/// counts up to `max_run` each. Valid JavaScript (a script).
pub fn mixed(data: &[u8], max_run: usize) -> String {
    let mut before = String::new();
    let mut after: Vec<&str> = Vec::new();
    let mut stmts = String::new();
    let mut stmt_after: Vec<&str> = Vec::new();
    for pair in data.chunks(2) {
        let k = pair[0] as usize;
        let n = pair.get(1).map_or(1, |&c| 1 + (c as usize * max_run) / 256);
        if k.is_multiple_of(4) {
            let (open, close) = STMT[(k / 4) % STMT.len()];
            for _ in 0..n {
                stmts.push_str(open);
                stmt_after.push(close);
            }
        } else {
            let (open, close) = WRAP[k % WRAP.len()];
            for _ in 0..n {
                before.push_str(open);
                after.push(close);
            }
        }
    }
    let mut s = stmts;
    s.push_str("x=");
    s.push_str(&before);
    s.push('x');
    for c in after.iter().rev() {
        s.push_str(c);
    }
    s.push(';');
    for c in stmt_after.iter().rev() {
        s.push_str(c);
    }
    s
}
