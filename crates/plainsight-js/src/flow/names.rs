//! Name-keyed view of object properties, methods and method calls, per unit:
//! the fall-back when the owner of `x.p` cannot be resolved (a parameter, the
//! result of an unknown call). Joins by name are *unproven* hops.
//!
//! One flat vector tagged by a name hash, filled while the seed pass walks
//! the node table (a push per entry, no maps, no per-key allocation) and
//! sorted on first use; look-ups binary-search the hash.

use std::cell::{Cell, OnceCell};

use oxc_ast::AstKind;
use oxc_ast::ast::{AssignmentTarget, Expression, SimpleAssignmentTarget};

use super::FnRef;

/// Names of built-in methods and properties (String, Array, RegExp, URL,
/// Promise, Map…): reading or calling one is an operation on the receiver,
/// not a same-named user method somewhere in the bundle.
pub(crate) const BUILTIN_MEMBERS: &[&str] = &[
    "at",
    "catch",
    "charAt",
    "charCodeAt",
    "codePointAt",
    "concat",
    "endsWith",
    "entries",
    "every",
    "exec",
    "filter",
    "finally",
    "find",
    "findIndex",
    "findLast",
    "flat",
    "flatMap",
    "forEach",
    "from",
    "get",
    "has",
    "host",
    "hostname",
    "href",
    "includes",
    "indexOf",
    "join",
    "keys",
    "lastIndexOf",
    "length",
    "localeCompare",
    "map",
    "match",
    "matchAll",
    "normalize",
    "origin",
    "padEnd",
    "padStart",
    "pathname",
    "pop",
    "port",
    "protocol",
    "push",
    "reduce",
    "repeat",
    "replace",
    "replaceAll",
    "reverse",
    "search",
    "set",
    "shift",
    "slice",
    "some",
    "sort",
    "splice",
    "split",
    "startsWith",
    "substr",
    "substring",
    "test",
    "then",
    "toLowerCase",
    "toString",
    "toUpperCase",
    "trim",
    "trimEnd",
    "trimStart",
    "unshift",
    "values",
    "call",
    "apply",
    "bind",
    "add",
    "delete",
    "next",
    "toISOString",
    "toJSON",
    "valueOf",
];

/// Property names so common across libraries that joining their writes by
/// name says nothing about where one object's field came from.
pub(crate) const GENERIC_PROPERTIES: &[&str] = &[
    "body",
    "content",
    "data",
    "default",
    "error",
    "headers",
    "id",
    "key",
    "message",
    "name",
    "options",
    "prototype",
    "result",
    "source",
    "text",
    "type",
    "value",
    "exports",
    "config",
    "env",
    "args",
    "params",
    "state",
    "props",
    "context",
    "ctx",
];

#[derive(Clone, Copy)]
pub(crate) enum Entry<'a> {
    Value(&'a Expression<'a>),
    Method(FnRef<'a>),
}

/// Entries collected during the seed pass; sorted into an index on first use.
#[derive(Default)]
pub(crate) struct NameEntries<'a> {
    props: Vec<(u32, &'a str, Entry<'a>)>,
}

impl<'a> NameEntries<'a> {
    #[inline]
    pub fn node(&mut self, kind: AstKind<'a>) {
        let mut push = |name: &'a str, e: Entry<'a>| self.props.push((hash_name(name), name, e));
        match kind {
            AstKind::ObjectProperty(p) if !p.computed => {
                if let Some(name) = property_key_name(&p.key) {
                    match FnRef::from_expr(&p.value) {
                        Some(f) => push(name, Entry::Method(f)),
                        None => push(name, Entry::Value(&p.value)),
                    }
                }
            }
            AstKind::MethodDefinition(m) if !m.computed => {
                if let Some(name) = property_key_name(&m.key) {
                    push(name, Entry::Method(FnRef::Function(&m.value)));
                }
            }
            AstKind::PropertyDefinition(p) if !p.computed => {
                if let (Some(name), Some(v)) = (property_key_name(&p.key), &p.value) {
                    match FnRef::from_expr(v) {
                        Some(f) => push(name, Entry::Method(f)),
                        None => push(name, Entry::Value(v)),
                    }
                }
            }
            AstKind::AssignmentExpression(a) => {
                if let AssignmentTarget::StaticMemberExpression(m) = &a.left {
                    let name = m.property.name.as_str();
                    match FnRef::from_expr(&a.right) {
                        Some(f) => push(name, Entry::Method(f)),
                        None => push(name, Entry::Value(&a.right)),
                    }
                } else if let Some(SimpleAssignmentTarget::PrivateFieldExpression(m)) =
                    a.left.as_simple_assignment_target()
                {
                    push(m.field.name.as_str(), Entry::Value(&a.right));
                }
            }
            _ => {}
        }
    }
}

/// The per-unit index (lazily sorted).
#[derive(Default)]
pub(crate) struct NameIndex<'a> {
    pending: Cell<NameEntries<'a>>,
    props: OnceCell<Vec<(u32, &'a str, Entry<'a>)>>,
}

impl<'a> NameIndex<'a> {
    pub fn new(entries: NameEntries<'a>) -> NameIndex<'a> {
        NameIndex {
            pending: Cell::new(entries),
            props: OnceCell::new(),
        }
    }

    fn props(&self) -> &[(u32, &'a str, Entry<'a>)] {
        self.props.get_or_init(|| {
            let mut p = self.pending.take();
            let mut v = std::mem::take(&mut p.props);
            self.pending.set(p);
            // Values before methods within a hash (a stable sort: each
            // keeps the order of the node table), so a look-up of one kind
            // reads only its own entries — `name`, written as a value
            // thousands of times, holds few methods (`setter_sites` asks
            // for the methods of every assigned name).
            v.sort_by_key(|e| (e.0, matches!(e.2, Entry::Method(_))));
            v
        })
    }

    /// The entries named `name` of one kind (`methods`: methods, else
    /// values), in the node table's order.
    fn find<'s>(
        entries: &'s [(u32, &'a str, Entry<'a>)],
        name: &'s str,
        methods: bool,
    ) -> impl Iterator<Item = Entry<'a>> + 's {
        let key = (hash_name(name), methods);
        let start =
            entries.partition_point(|(eh, _, e)| (*eh, matches!(e, Entry::Method(_))) < key);
        entries[start..]
            .iter()
            .take_while(move |(eh, _, e)| (*eh, matches!(e, Entry::Method(_))) == key)
            .filter(move |(_, n, _)| *n == name)
            .map(|(_, _, e)| *e)
    }

    /// Values stored under `name` (object literals, class fields, `x.name = v`);
    /// `Some(empty)` when the name is generic or built-in (a join by name
    /// through it connects unrelated values: not a path); `None` when it has
    /// more than `max` writers (the caller records the cut).
    pub fn values(&self, name: &str, max: usize) -> Option<Vec<&'a Expression<'a>>> {
        if BUILTIN_MEMBERS.contains(&name) || GENERIC_PROPERTIES.contains(&name) {
            return Some(Vec::new());
        }
        let v: Vec<_> = Self::find(self.props(), name, false)
            .filter_map(|e| match e {
                Entry::Value(v) => Some(v),
                _ => None,
            })
            .take(max.saturating_add(1))
            .collect();
        (v.len() <= max).then_some(v)
    }

    /// Methods named `name` (object literal methods, class methods, `x.name = function`).
    /// At most `max`; `None` when there are more (the caller records the cut).
    pub fn methods(&self, name: &str, max: usize) -> Option<Vec<FnRef<'a>>> {
        if BUILTIN_MEMBERS.contains(&name) {
            return Some(Vec::new());
        }
        let v: Vec<_> = Self::find(self.props(), name, true)
            .filter_map(|e| match e {
                Entry::Method(f) => Some(f),
                _ => None,
            })
            .take(max.saturating_add(1))
            .collect();
        (v.len() <= max).then_some(v)
    }
}

pub(crate) fn hash_name(s: &str) -> u32 {
    s.bytes().fold(2_166_136_261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    })
}

/// The name a call is made by: the callee's identifier (`sortBy(x)`) or
/// its static property (`_.sortBy(x)`, `x.toString()`).
pub(crate) fn called_name<'b>(c: &'b oxc_ast::ast::CallExpression<'_>) -> Option<&'b str> {
    match c.callee.without_parentheses() {
        Expression::Identifier(id) => Some(id.name.as_str()),
        e => e
            .as_member_expression()
            .and_then(oxc_ast::ast::MemberExpression::static_property_name),
    }
}

pub(crate) fn property_key_name<'a>(k: &oxc_ast::ast::PropertyKey<'a>) -> Option<&'a str> {
    match k {
        oxc_ast::ast::PropertyKey::StaticIdentifier(i) => Some(i.name.as_str()),
        oxc_ast::ast::PropertyKey::PrivateIdentifier(i) => Some(i.name.as_str()),
        oxc_ast::ast::PropertyKey::StringLiteral(s) => Some(s.value.as_str()),
        _ => None,
    }
}
