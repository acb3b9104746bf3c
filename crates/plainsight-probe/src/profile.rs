//! Agent profiles: how to point a known agent at the mock provider and make
//! it take one non-interactive turn. A data table, one entry per agent plus
//! the generic fallback; `--profile NAME` overrides detection.
//!
//! Placeholders in arguments and files: `{prompt}`, `{base_url}` (the cell's
//! provider base URL), `{api_key}`.

use plainsight_providers::Family;

/// One agent.
#[derive(Debug)]
pub struct Profile {
    pub name: &'static str,
    pub label: &'static str,
    /// npm package names of the agent (and its launchers).
    pub npm: &'static [&'static str],
    /// Command names (`argv[0]` basenames, bin names).
    pub commands: &'static [&'static str],
    pub family: Family,
    /// Variables carrying the provider base URL; all are set to the cell's URL.
    pub base_url_env: &'static [&'static str],
    /// The provider's own base URL: the baseline host of the host dimension.
    pub default_base_url: &'static str,
    /// Variables set to the mock API key.
    pub key_env: &'static [&'static str],
    pub api_key: &'static str,
    /// Other variables a non-interactive run needs.
    pub env: &'static [(&'static str, &'static str)],
    /// Arguments after the agent's command.
    pub args: &'static [&'static str],
    /// Files written into the home directory.
    pub home_files: &'static [(&'static str, &'static str)],
    /// Variables the agent checks for truthiness (`=0` still switches them
    /// on): the matrix unsets rather than zeroes them.
    pub truthy_flags: &'static [&'static str],
}

pub const DEFAULT_PROMPT: &str = "Say hi.";

/// Every profile; the last one is the generic fallback.
pub static PROFILES: &[Profile] = &[
    Profile {
        name: "claude-code",
        label: "Claude Code",
        npm: &["@anthropic-ai/claude-code"],
        commands: &["claude"],
        family: Family::Anthropic,
        base_url_env: &["ANTHROPIC_BASE_URL"],
        // https, as shipped: Claude Code completes its turn over the run's
        // CA inside the sandbox. (An earlier "stall" was the first request
        // arriving after 10-20 s on a loaded machine, past the cell limit;
        // the experiment still falls back to http:// if an agent gets no
        // provider turn over https, and says so.)
        default_base_url: "https://api.anthropic.com",
        key_env: &["ANTHROPIC_API_KEY"],
        api_key: "sk-ant-api03-plainsightprobe0000000000000000000000000000000000000000000000000000000000000000000-AAAAAAAA",
        env: &[],
        args: &["-p", "{prompt}"],
        home_files: &[(
            ".claude.json",
            r#"{"hasCompletedOnboarding":true,"numStartups":3,"theme":"dark","customApiKeyResponses":{"approved":["AAAAAAAA"],"rejected":[]}}"#,
        )],
        truthy_flags: &[
            "DISABLE_TELEMETRY",
            "DISABLE_ERROR_REPORTING",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
            "DISABLE_AUTOUPDATER",
        ],
    },
    Profile {
        name: "codex",
        label: "Codex CLI",
        npm: &["@openai/codex"],
        commands: &["codex"],
        family: Family::OpenAi,
        base_url_env: &["OPENAI_BASE_URL"],
        default_base_url: "https://api.openai.com/v1",
        key_env: &["OPENAI_API_KEY", "CODEX_API_KEY"],
        api_key: "sk-plainsightprobe000000000000000000000000000000000",
        env: &[],
        args: &["exec", "--skip-git-repo-check", "{prompt}"],
        home_files: &[],
        truthy_flags: &[],
    },
    Profile {
        name: "gemini-cli",
        label: "Gemini CLI",
        npm: &["@google/gemini-cli"],
        commands: &["gemini"],
        family: Family::Gemini,
        base_url_env: &["GOOGLE_GEMINI_BASE_URL"],
        default_base_url: "https://generativelanguage.googleapis.com",
        key_env: &["GEMINI_API_KEY"],
        api_key: "AIzaSyPlainsightProbe000000000000000000",
        env: &[],
        args: &["-p", "{prompt}"],
        home_files: &[(
            ".gemini/settings.json",
            r#"{"security":{"auth":{"selectedType":"gemini-api-key"}},"privacy":{"usageStatisticsEnabled":true}}"#,
        )],
        truthy_flags: &[],
    },
    Profile {
        name: "qwen-code",
        label: "Qwen Code",
        npm: &["@qwen-code/qwen-code"],
        commands: &["qwen"],
        family: Family::OpenAi,
        base_url_env: &["OPENAI_BASE_URL"],
        default_base_url: "https://dashscope.aliyuncs.com/compatible-mode/v1",
        key_env: &["OPENAI_API_KEY"],
        api_key: "sk-plainsightprobe000000000000000000000000000000000",
        env: &[("OPENAI_MODEL", "qwen3-coder-plus")],
        args: &["-p", "{prompt}"],
        home_files: &[(
            ".qwen/settings.json",
            r#"{"security":{"auth":{"selectedType":"openai"}},"selectedAuthType":"openai"}"#,
        )],
        truthy_flags: &[],
    },
    Profile {
        name: "opencode",
        label: "opencode",
        npm: &["opencode-ai"],
        commands: &["opencode"],
        family: Family::OpenAi,
        base_url_env: &["OPENAI_BASE_URL"],
        default_base_url: "https://api.openai.com/v1",
        key_env: &["OPENAI_API_KEY"],
        api_key: "sk-plainsightprobe000000000000000000000000000000000",
        env: &[],
        args: &["run", "--model", "openai/gpt-4.1", "{prompt}"],
        home_files: &[(
            ".config/opencode/opencode.json",
            r#"{"$schema":"https://opencode.ai/config.json","autoupdate":false,"provider":{"openai":{"options":{"baseURL":"{base_url}","apiKey":"{api_key}"}}}}"#,
        )],
        truthy_flags: &[],
    },
    Profile {
        name: "generic",
        label: "generic agent",
        npm: &[],
        commands: &[],
        family: Family::OpenAi,
        base_url_env: &[],
        default_base_url: "",
        key_env: &[],
        api_key: "sk-plainsightprobe000000000000000000000000000000000",
        env: &[],
        args: &["{prompt}"],
        home_files: &[],
        truthy_flags: &[],
    },
];

/// The generic fallback's base URL variables and provider URLs, per family.
pub fn generic_base(
    family: Family,
) -> (
    &'static [&'static str],
    &'static str,
    &'static [&'static str],
) {
    match family {
        Family::Anthropic => (
            &["ANTHROPIC_BASE_URL"],
            "https://api.anthropic.com",
            &["ANTHROPIC_API_KEY"],
        ),
        Family::OpenAi => (
            &["OPENAI_BASE_URL", "OPENAI_API_BASE"],
            "https://api.openai.com/v1",
            &["OPENAI_API_KEY"],
        ),
        Family::Gemini => (
            &["GOOGLE_GEMINI_BASE_URL", "GEMINI_BASE_URL"],
            "https://generativelanguage.googleapis.com",
            &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
        ),
    }
}

pub fn by_name(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

pub fn generic() -> &'static Profile {
    PROFILES
        .last()
        .expect("the table ends with the generic profile")
}

/// The profile of an npm package name, if known.
pub fn for_package(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.npm.contains(&name))
}

/// The profile a command line points to: `argv[0]`'s basename, or a
/// script argument inside a known package's directory.
pub fn for_command(argv: &[String]) -> Option<&'static Profile> {
    for a in argv.iter().take(3) {
        let base = a.rsplit('/').next().unwrap_or(a);
        if let Some(p) = PROFILES.iter().find(|p| p.commands.contains(&base)) {
            return Some(p);
        }
        if let Some(p) = PROFILES.iter().find(|p| {
            p.npm
                .iter()
                .any(|n| !n.is_empty() && a.contains(&format!("node_modules/{n}/")))
        }) {
            return Some(p);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        assert_eq!(
            for_package("@anthropic-ai/claude-code").unwrap().name,
            "claude-code"
        );
        let argv = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            for_command(&argv(&["/usr/bin/claude", "-p"])).unwrap().name,
            "claude-code"
        );
        assert_eq!(
            for_command(&argv(&[
                "node",
                "/x/node_modules/@google/gemini-cli/dist/index.js"
            ]))
            .unwrap()
            .name,
            "gemini-cli"
        );
        assert!(for_command(&argv(&["node", "agent.js"])).is_none());
        assert_eq!(generic().name, "generic");
        assert!(by_name("CODEX").is_some());
    }
}
