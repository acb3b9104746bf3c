//! Recognising LLM request bodies and naming their prompt parts.
//!
//! A hidden character matters most where the model reads it as instructions:
//! the system prompt, a tool description, a message. Recognition is by the
//! shape of the top level (which members exist), not by any value, and only
//! adds meaning: every string is inspected whatever the shape, the part name
//! stays the path (`messages[3].content[1].text`), and a note says what that
//! path is in the API (`system prompt`, `user message`, `tool description`).

use std::collections::HashMap;

use crate::json::{JsonString, StringKind};
use crate::path::{JsonPath, PathSeg};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    AnthropicMessages,
    OpenAiChat,
    OpenAiResponses,
}

impl BodyKind {
    pub fn api_name(self) -> &'static str {
        match self {
            BodyKind::AnthropicMessages => "Anthropic Messages request",
            BodyKind::OpenAiChat => "OpenAI Chat Completions request",
            BodyKind::OpenAiResponses => "OpenAI Responses request",
        }
    }
}

/// Which API the document is a request body of, judged from its top-level
/// members and the shape of its tools.
pub fn detect(strings: &[JsonString]) -> Option<BodyKind> {
    let has = |k: &str| {
        strings
            .iter()
            .any(|s| s.kind == StringKind::Key && s.path.len() == 1 && key(&s.path, 0) == Some(k))
    };
    let tool_has = |k: &str| {
        strings.iter().any(|s| {
            s.kind == StringKind::Key
                && s.path.len() == 3
                && key(&s.path, 0) == Some("tools")
                && key(&s.path, 2) == Some(k)
        })
    };
    if has("messages") {
        if has("system")
            || has("anthropic_version")
            || has("stop_sequences")
            || tool_has("input_schema")
        {
            return Some(BodyKind::AnthropicMessages);
        }
        return Some(BodyKind::OpenAiChat);
    }
    if (has("input") || has("instructions")) && has("model") {
        return Some(BodyKind::OpenAiResponses);
    }
    None
}

fn key(path: &JsonPath, i: usize) -> Option<&str> {
    path.get(i).and_then(PathSeg::key)
}

/// Names prompt parts of one recognised body.
pub struct PartNamer {
    kind: BodyKind,
    /// `messages[i].role` / `input[i].role`, by index.
    roles: HashMap<usize, String>,
}

impl PartNamer {
    pub fn new(kind: BodyKind, strings: &[JsonString]) -> PartNamer {
        let list = if kind == BodyKind::OpenAiResponses {
            "input"
        } else {
            "messages"
        };
        let roles = strings
            .iter()
            .filter(|s| {
                s.kind == StringKind::Value
                    && s.path.len() == 3
                    && key(&s.path, 0) == Some(list)
                    && key(&s.path, 2) == Some("role")
            })
            .filter_map(|s| Some((s.path.get(1)?.index()?, s.text.to_string())))
            .collect();
        PartNamer { kind, roles }
    }

    /// `Anthropic Messages request: system prompt`, or `None` for strings that are
    /// not prompt text (model name, roles, ids…).
    pub fn describe(&self, path: &JsonPath, kind: StringKind) -> Option<String> {
        if kind == StringKind::Key {
            return None;
        }
        let what = self.role_of(path)?;
        Some(format!("{}: {what}", self.kind.api_name()))
    }

    fn role_of(&self, path: &JsonPath) -> Option<String> {
        let top = key(path, 0)?;
        let last = path.last().and_then(PathSeg::key);
        let message = |i: usize| {
            let role = self.roles.get(&i).map_or("message", String::as_str);
            match role {
                "system" | "developer" => format!("{role} prompt"),
                "message" => "message".to_string(),
                r => format!("{r} message"),
            }
        };
        match (self.kind, top) {
            (BodyKind::AnthropicMessages, "system") => {
                (path.len() == 1 || last == Some("text")).then(|| "system prompt".to_string())
            }
            (BodyKind::OpenAiResponses, "instructions") => {
                (path.len() == 1).then(|| "instructions (system prompt)".to_string())
            }
            (BodyKind::OpenAiResponses, "input") if path.len() == 1 => {
                Some("user input".to_string())
            }
            (BodyKind::AnthropicMessages | BodyKind::OpenAiChat, "messages")
            | (BodyKind::OpenAiResponses, "input") => {
                let i = path.get(1)?.index()?;
                let text_like = matches!(last, Some("content" | "text"))
                    || (path.len() >= 3 && key(path, 2) == Some("content") && last.is_none());
                text_like.then(|| message(i))
            }
            (_, "tools") => {
                if last != Some("description") {
                    return None;
                }
                let direct = match self.kind {
                    BodyKind::OpenAiChat => path.len() == 4 && key(path, 2) == Some("function"),
                    _ => path.len() == 3,
                };
                Some(
                    if direct {
                        "tool description"
                    } else {
                        "tool parameter description"
                    }
                    .to_string(),
                )
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{ScanOptions, scan_all};

    fn describe_all(doc: &str) -> (Option<BodyKind>, Vec<(String, String)>) {
        let strings = scan_all(doc.as_bytes(), 0, &ScanOptions::default()).unwrap();
        let kind = detect(&strings);
        let Some(kind) = kind else {
            return (None, Vec::new());
        };
        let namer = PartNamer::new(kind, &strings);
        let described = strings
            .iter()
            .filter_map(|s| {
                Some((
                    crate::path::pointer(&s.path.to_vec()),
                    namer.describe(&s.path, s.kind)?,
                ))
            })
            .collect();
        (Some(kind), described)
    }

    #[test]
    fn anthropic() {
        let (kind, d) = describe_all(
            r#"{"model":"m","system":[{"type":"text","text":"S"}],
                "messages":[{"role":"user","content":"U"},{"role":"assistant","content":[{"type":"text","text":"A"}]}],
                "tools":[{"name":"t","description":"D","input_schema":{"properties":{"p":{"description":"P"}}}}]}"#,
        );
        assert_eq!(kind, Some(BodyKind::AnthropicMessages));
        let names: Vec<_> = d.iter().map(|(p, n)| format!("{p} {n}")).collect();
        assert_eq!(
            names,
            [
                "/system/0/text Anthropic Messages request: system prompt",
                "/messages/0/content Anthropic Messages request: user message",
                "/messages/1/content/0/text Anthropic Messages request: assistant message",
                "/tools/0/description Anthropic Messages request: tool description",
                "/tools/0/input_schema/properties/p/description Anthropic Messages request: tool parameter description",
            ]
        );
    }

    #[test]
    fn openai_chat_and_responses() {
        let (kind, d) = describe_all(
            r#"{"model":"m","messages":[{"role":"developer","content":[{"type":"text","text":"S"}]}],
                "tools":[{"type":"function","function":{"name":"f","description":"D"}}]}"#,
        );
        assert_eq!(kind, Some(BodyKind::OpenAiChat));
        assert_eq!(d[0].1, "OpenAI Chat Completions request: developer prompt");
        assert_eq!(
            d[1],
            (
                "/tools/0/function/description".to_string(),
                "OpenAI Chat Completions request: tool description".to_string()
            )
        );

        let (kind, d) = describe_all(
            r#"{"model":"m","instructions":"I","input":[{"role":"user","content":[{"type":"input_text","text":"T"}]}]}"#,
        );
        assert_eq!(kind, Some(BodyKind::OpenAiResponses));
        assert_eq!(
            d[0].1,
            "OpenAI Responses request: instructions (system prompt)"
        );
        assert_eq!(
            d[1],
            (
                "/input/0/content/0/text".to_string(),
                "OpenAI Responses request: user message".to_string()
            )
        );
    }

    #[test]
    fn other_documents_are_not_bodies() {
        assert_eq!(describe_all(r#"{"model":"m","prompt":"x"}"#).0, None);
        assert_eq!(describe_all(r#"["messages"]"#).0, None);
    }
}
