//! Environment sources (PS301–PS305).
//!
//! An environment read is recognised by its *kind*, from tables below, not by
//! any sample's identifiers:
//! - environment objects (`process.env`, `Bun.env`, `import.meta.env`,
//!   `Deno.env.get(..)`), where the variable name is classified by pattern
//!   (`*_BASE_URL`, `*_PROXY`, `TZ`, `LC_*`, `USER`, …);
//! - ambient globals (`process.platform`, `navigator.language`,
//!   `Intl.*().resolvedOptions()`, any `.getTimezoneOffset()` call);
//! - functions of the Node `os` module, however the module was bound
//!   (`require("os")`, `require("node:os")`, a minified `require` alias, an
//!   interop wrapper such as `__toESM(require("os"))`, default/namespace/named
//!   imports, destructuring). The binding is resolved through oxc_semantic to
//!   its declaration; the local name is never trusted;
//! - reads of system identity files (`/etc/timezone`, `/etc/hostname`, …) and
//!   child processes that print identity (`hostname`, `whoami`, `scutil`, …).
//!
//! [`env_read`] is a pure predicate on one expression: no data flow, no
//! allocation unless it matches, so the covert-channel slicer can call it on
//! every expression it reaches. [`analyze`] makes one pass over the program:
//! reads are aggregated per category and description (a bundle may read
//! `process.env` thousands of times), and comparisons of Endpoint/TimeZone/
//! Identity values against constant lists are reported as targeting (PS305).

use std::collections::{BTreeMap, HashSet};

use oxc_ast::AstKind;
use oxc_ast::ast::{
    Argument, BinaryExpression, BindingPattern, CallExpression, ComputedMemberExpression,
    Expression, ForOfStatement, IdentifierReference, LogicalExpression, MemberExpression,
    SwitchStatement, VariableDeclarator,
};
use oxc_ast_visit::Visit;
use oxc_semantic::SymbolId;
use oxc_span::{GetSpan, Span};
use oxc_syntax::operator::{BinaryOperator, LogicalOperator};
use plainsight_core::{Finding, Rule, Severity, ValueList};

use crate::context::Ctx;
use crate::eval::{Evaluator, Value};

/// What kind of environment a read observes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EnvCategory {
    /// API base URL, proxy configuration.
    Endpoint,
    /// Time zone, UTC offset, locale.
    TimeZone,
    /// Host name, user name, network interfaces, MAC.
    Identity,
    /// Platform, architecture, OS release.
    Platform,
    /// CI / automation runner (`CI`, `GITHUB_*`, `GITLAB_CI`, …) or cloud
    /// runtime (`AWS_REGION`, `GOOGLE_CLOUD_PROJECT`, `K_SERVICE`, …): who
    /// runs the agent, unattended, where, for which organisation.
    Ci,
    /// Any other environment variable or ambient value.
    Other,
}

impl EnvCategory {
    /// Categories whose values identify *who or where* the user is; only these
    /// can drive targeting (PS305) — platform switches are ordinary portability.
    pub fn is_targetable(self) -> bool {
        matches!(
            self,
            EnvCategory::Endpoint | EnvCategory::TimeZone | EnvCategory::Identity | EnvCategory::Ci
        )
    }

    fn rule(self) -> Option<Rule> {
        match self {
            EnvCategory::Endpoint => Some(Rule::EnvEndpoint),
            EnvCategory::TimeZone => Some(Rule::EnvTimeZone),
            EnvCategory::Identity => Some(Rule::EnvIdentity),
            EnvCategory::Platform | EnvCategory::Ci => Some(Rule::EnvPlatform),
            EnvCategory::Other => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            EnvCategory::Endpoint => "API endpoint / proxy configuration",
            EnvCategory::TimeZone => "time zone / locale",
            EnvCategory::Identity => "host / user identity",
            EnvCategory::Platform => "platform",
            EnvCategory::Ci => "CI / automation environment",
            EnvCategory::Other => "environment",
        }
    }
}

/// One read of the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvRead {
    pub category: EnvCategory,
    /// Readable description, e.g. `process.env.ANTHROPIC_BASE_URL`.
    pub what: String,
    pub span: Span,
}

// ---------------------------------------------------------------------------
// Data tables
// ---------------------------------------------------------------------------

/// Environment variable name → category, by the kind of name.
///
/// Kinds, not a list of one vendor's names: every `*_BASE_URL`/`*_ENDPOINT`/
/// `*_HOST`/… is an endpoint whatever the provider, every proxy and no-proxy
/// list is an endpoint, `TZ`/`LANG`/`LC_*` are time zone or locale, user,
/// host and git author names are identity, and the variables CI services set
/// (`CI`, `GITHUB_*`, `GITLAB_*`, `CI_*`, `BUILDKITE*`, …) say the agent runs
/// unattended on some organisation's runner.
pub fn classify_env_var(name: &str) -> EnvCategory {
    const PROXIES: &[&str] = &[
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        "FTP_PROXY",
        "NPM_CONFIG_PROXY",
        "NPM_CONFIG_HTTPS_PROXY",
        "NPM_CONFIG_NOPROXY",
        "NPM_CONFIG_REGISTRY",
    ];
    const TZ_EXACT: &[&str] = &["TZ", "LANG", "LANGUAGE", "TZDIR", "LOCALE"];
    const IDENTITY_EXACT: &[&str] = &[
        "USER",
        "USERNAME",
        "LOGNAME",
        "HOSTNAME",
        "COMPUTERNAME",
        "USERDOMAIN",
        "USERDNSDOMAIN",
        "SUDO_USER",
        "EMAIL",
        "SSH_CLIENT",
        "SSH_CONNECTION",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
    ];
    const PLATFORM_EXACT: &[&str] = &[
        "OS",
        "OSTYPE",
        "PROCESSOR_ARCHITECTURE",
        "HOSTTYPE",
        "MACHTYPE",
    ];
    // Set by CI services to say "this is a CI run" or to name the runner,
    // repository, pipeline or organisation.
    const CI_EXACT: &[&str] = &[
        "CI",
        "CONTINUOUS_INTEGRATION",
        "BUILD_NUMBER",
        "BUILD_ID",
        "RUN_ID",
        "CIRCLECI",
        "TRAVIS",
        "APPVEYOR",
        "TF_BUILD",
        "TEAMCITY_VERSION",
        "BUILDKITE",
        "DRONE",
        "SEMAPHORE",
        "NETLIFY",
        "VERCEL",
        "CODESPACES",
        "JENKINS_URL",
    ];
    const CI_PREFIX: &[&str] = &[
        "CI_",
        "GITHUB_",
        "GITLAB_",
        "RUNNER_",
        "CIRCLE_",
        "TRAVIS_",
        "BUILDKITE_",
        "JENKINS_",
        "BITBUCKET_",
        "CODEBUILD_",
        "APPVEYOR_",
        "DRONE_",
        "SYSTEM_TEAMPROJECT",
        "BUILD_REPOSITORY_",
        "VERCEL_",
        "NETLIFY_",
        "CF_PAGES",
    ];
    // Set by a cloud runtime to name the account, project, region or
    // service the agent runs in (Lambda, Cloud Run / Functions, gcloud, Fly,
    // Railway): like a CI runner's variables they say where, unattended,
    // and for which organisation it runs.
    const CLOUD_EXACT: &[&str] = &[
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_ACCOUNT_ID",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_REGION",
        "GCLOUD_PROJECT",
        "GCP_PROJECT",
        "K_SERVICE",
        "K_REVISION",
        "K_CONFIGURATION",
        "FUNCTION_TARGET",
        "FUNCTION_REGION",
    ];
    const CLOUD_PREFIX: &[&str] = &["AWS_LAMBDA_", "CLOUDSDK_CORE_", "FLY_", "RAILWAY_"];
    const ENDPOINT_SUFFIX: &[&str] = &[
        "_BASE_URL",
        "_BASEURL",
        "_BASE",
        "_API_URL",
        "_URL",
        "_URI",
        "_ENDPOINT",
        "_ENDPOINTS",
        "_HOST",
        "_HOSTNAME",
        "_API_BASE",
        "_API_HOST",
        "_BASE_PATH",
        "_ORIGIN",
        "_PROXY",
        "_NO_PROXY",
        "_NOPROXY",
        "_DOMAIN",
        "_GATEWAY",
        "_SERVER",
        "_REGISTRY",
        "_ADDR",
        "_ADDRESS",
    ];
    let up = name.to_ascii_uppercase();
    let up = up.as_str();
    // `HOST` is the address a server binds to, not the machine's name.
    if PROXIES.contains(&up) || up == "HOST" {
        EnvCategory::Endpoint
    } else if TZ_EXACT.contains(&up) || up.starts_with("LC_") {
        EnvCategory::TimeZone
    } else if IDENTITY_EXACT.contains(&up) {
        EnvCategory::Identity
    } else if PLATFORM_EXACT.contains(&up) {
        EnvCategory::Platform
    } else if CI_EXACT.contains(&up)
        || CI_PREFIX.iter().any(|p| up.starts_with(p))
        || CLOUD_EXACT.contains(&up)
        || CLOUD_PREFIX.iter().any(|p| up.starts_with(p))
    {
        // A CI service's URL variables (`GITHUB_SERVER_URL`, `CI_API_V4_URL`)
        // name the CI service, which is what they reveal.
        EnvCategory::Ci
    } else if ENDPOINT_SUFFIX.iter().any(|s| up.ends_with(s))
        || up.contains("BASE_URL")
        || up.contains("BASEURL")
        || up.contains("ENDPOINT")
        || up.contains("PROXY")
    {
        EnvCategory::Endpoint
    } else {
        EnvCategory::Other
    }
}

/// Functions of the Node `os` module that observe the machine.
const OS_FUNCTIONS: &[(&str, EnvCategory)] = &[
    ("hostname", EnvCategory::Identity),
    ("userInfo", EnvCategory::Identity),
    ("networkInterfaces", EnvCategory::Identity),
    // The home directory names the user, but every CLI reads it to find its
    // config: kept as Other so it feeds slicing without flooding PS303.
    ("homedir", EnvCategory::Other),
    ("platform", EnvCategory::Platform),
    ("arch", EnvCategory::Platform),
    ("release", EnvCategory::Platform),
    ("type", EnvCategory::Platform),
    ("version", EnvCategory::Platform),
    ("machine", EnvCategory::Platform),
    ("tmpdir", EnvCategory::Other),
    ("cpus", EnvCategory::Platform),
    // The machine's size, as `cpus().length` (Node ≥ 18.14).
    ("availableParallelism", EnvCategory::Platform),
];

/// Properties and methods of the `process` global.
const PROCESS_PROPS: &[(&str, EnvCategory)] = &[
    ("platform", EnvCategory::Platform),
    ("arch", EnvCategory::Platform),
    ("version", EnvCategory::Platform),
    ("versions", EnvCategory::Platform),
    ("release", EnvCategory::Platform),
    ("getuid", EnvCategory::Identity),
    ("geteuid", EnvCategory::Identity),
    ("getgid", EnvCategory::Identity),
    ("getegid", EnvCategory::Identity),
];

/// Properties of the `navigator` global (browsers, Deno, Bun).
const NAVIGATOR_PROPS: &[(&str, EnvCategory)] = &[
    ("language", EnvCategory::TimeZone),
    ("languages", EnvCategory::TimeZone),
    ("userAgent", EnvCategory::Platform),
    ("platform", EnvCategory::Platform),
    ("userAgentData", EnvCategory::Platform),
];

/// Files whose contents identify the machine, its user, its network or its
/// time zone and locale, by absolute path.
const SYSTEM_FILES: &[(&str, EnvCategory)] = &[
    ("/etc/timezone", EnvCategory::TimeZone),
    ("/etc/localtime", EnvCategory::TimeZone),
    ("/etc/locale.conf", EnvCategory::TimeZone),
    ("/etc/default/locale", EnvCategory::TimeZone),
    ("/etc/sysconfig/clock", EnvCategory::TimeZone),
    ("/etc/hostname", EnvCategory::Identity),
    ("/etc/mailname", EnvCategory::Identity),
    ("/proc/sys/kernel/hostname", EnvCategory::Identity),
    ("/etc/machine-id", EnvCategory::Identity),
    ("/var/lib/dbus/machine-id", EnvCategory::Identity),
    ("/sys/class/dmi/id/product_uuid", EnvCategory::Identity),
    ("/etc/hosts", EnvCategory::Identity),
    ("/etc/resolv.conf", EnvCategory::Endpoint),
    ("/etc/os-release", EnvCategory::Platform),
];

/// Files under the user's home directory (or any directory) that name the
/// user, their organisation or their endpoints, by file name: the path is
/// usually built (`path.join(os.homedir(), ".gitconfig")`).
const HOME_FILES: &[(&str, EnvCategory)] = &[
    (".gitconfig", EnvCategory::Identity),
    (".git-credentials", EnvCategory::Identity),
    (".netrc", EnvCategory::Identity),
    ("known_hosts", EnvCategory::Identity),
    ("id_rsa.pub", EnvCategory::Identity),
    ("id_ed25519.pub", EnvCategory::Identity),
    (".npmrc", EnvCategory::Endpoint),
    (".yarnrc", EnvCategory::Endpoint),
    (".yarnrc.yml", EnvCategory::Endpoint),
    ("resolv.conf", EnvCategory::Endpoint),
    ("timezone", EnvCategory::TimeZone),
    ("localtime", EnvCategory::TimeZone),
    ("hostname", EnvCategory::Identity),
    ("machine-id", EnvCategory::Identity),
];

/// Configuration directories of cloud and cluster command-line tools: the
/// files under them name the signed-in account, project, region, cluster or
/// registry — which organisation the machine works for. Matched as a path
/// segment, so `path.join(home, ".config", "gcloud", …)`,
/// `` `${home}/.aws/config` `` and `$CLOUDSDK_CONFIG || …/gcloud` all count,
/// whatever file under them is read.
const CLOUD_CONFIG_DIRS: &[&str] = &[
    "gcloud",
    ".aws",
    ".azure",
    ".kube",
    ".docker",
    ".oci",
    ".terraform.d",
    "doctl",
];

/// A file path (or the literal parts of a built one) by kind: a known system
/// file, a known per-user identity/endpoint file by name, a network
/// interface's address under `/sys/class/net` (its MAC), or anything under a
/// cloud tool's configuration directory ([`CLOUD_CONFIG_DIRS`]).
fn classify_path(path: &str) -> Option<EnvCategory> {
    if let Some(c) = lookup(SYSTEM_FILES, path) {
        return Some(c);
    }
    if path.starts_with("/sys/class/net") {
        return Some(EnvCategory::Identity);
    }
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    lookup(HOME_FILES, base).or_else(|| {
        path.split(['/', '\\'])
            .any(|seg| CLOUD_CONFIG_DIRS.contains(&seg))
            .then_some(EnvCategory::Ci)
    })
}

/// Commands that print identity, network, locale or time zone when run in a
/// child process.
const COMMANDS: &[(&str, EnvCategory)] = &[
    ("hostname", EnvCategory::Identity),
    ("hostnamectl", EnvCategory::Identity),
    ("whoami", EnvCategory::Identity),
    ("id", EnvCategory::Identity),
    ("scutil", EnvCategory::Identity),
    ("ipconfig", EnvCategory::Identity),
    ("ifconfig", EnvCategory::Identity),
    ("getmac", EnvCategory::Identity),
    ("ip", EnvCategory::Identity),
    ("networksetup", EnvCategory::Identity),
    ("wmic", EnvCategory::Identity),
    ("uname", EnvCategory::Platform),
    ("sw_vers", EnvCategory::Platform),
    ("timedatectl", EnvCategory::TimeZone),
    ("tzutil", EnvCategory::TimeZone),
    ("systemsetup", EnvCategory::TimeZone),
    ("locale", EnvCategory::TimeZone),
    ("date", EnvCategory::TimeZone),
];

/// Methods of `child_process` that run a command.
const EXEC_METHODS: &[&str] = &[
    "exec",
    "execSync",
    "execFile",
    "execFileSync",
    "spawn",
    "spawnSync",
    "$",
];

/// Node builtin modules we resolve bindings to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeModule {
    Os,
    ChildProcess,
    Fs,
    /// `node:process`: the same object as the `process` global.
    Process,
    /// `dns`: the resolver configuration (`getServers()` lists the name
    /// servers of /etc/resolv.conf, i.e. the network the machine sits in).
    Dns,
    /// Any other built-in (`crypto`, `path`, `url`…): no environment read,
    /// but its values' methods are its own, not the program's.
    Other,
}

fn node_module(spec: &str) -> Option<NodeModule> {
    let s = spec.strip_prefix("node:").unwrap_or(spec);
    match s {
        "os" => Some(NodeModule::Os),
        "process" => Some(NodeModule::Process),
        "child_process" => Some(NodeModule::ChildProcess),
        "fs" | "fs/promises" => Some(NodeModule::Fs),
        "dns" | "dns/promises" => Some(NodeModule::Dns),
        _ if spec.starts_with("node:")
            || crate::node_builtins::NODE_BUILTINS
                .binary_search(&s)
                .is_ok() =>
        {
            Some(NodeModule::Other)
        }
        _ => None,
    }
}

fn lookup(table: &[(&str, EnvCategory)], key: &str) -> Option<EnvCategory> {
    table.iter().find(|(k, _)| *k == key).map(|(_, c)| *c)
}

// ---------------------------------------------------------------------------
// env_read
// ---------------------------------------------------------------------------

/// Is `expr` itself a read of the environment (no data flow: the covert-channel
/// slicer calls this on every expression it reaches)?
pub fn env_read<'a>(ctx: &Ctx<'a>, expr: &Expression<'a>) -> Option<EnvRead> {
    let expr = expr.without_parentheses();
    let span = expr.span();
    let (category, what) = match expr {
        Expression::ChainExpression(chain) => {
            if let Some(m) = chain.expression.as_member_expression() {
                member_read(ctx, m)?
            } else if let oxc_ast::ast::ChainElement::CallExpression(call) = &chain.expression {
                call_read(ctx, call)?
            } else {
                return None;
            }
        }
        Expression::CallExpression(call) => call_read(ctx, call)?,
        Expression::Identifier(id) => ident_read(ctx, id)?,
        e => member_read(ctx, e.as_member_expression()?)?,
    };
    Some(EnvRead {
        category,
        what,
        span,
    })
}

/// A read of field `key` of `object` when `object` is an environment object
/// or ambient global (`process.env` + `"TZ"`, `process` + `"platform"`):
/// the flow engine reaches `e.TZ` as "field TZ of the value of `e`".
pub(crate) fn env_read_field(ctx: &Ctx<'_>, object: &Expression<'_>, key: &str) -> Option<EnvRead> {
    let (category, what) = member_read_with(ctx, object, Some(key))?;
    Some(EnvRead {
        category,
        what,
        span: object.span(),
    })
}

/// `name(…)` called on `module_expr` when that expression (found in the
/// unit of `ctx`, e.g. behind a bundler's module wrapper) is a Node builtin
/// module object: `require("os")` + `hostname` → `os.hostname()`.
pub(crate) fn builtin_module_call(
    ctx: &Ctx<'_>,
    module_expr: &Expression<'_>,
    name: &str,
    call: &CallExpression<'_>,
) -> Option<EnvRead> {
    let module = module_object(ctx, module_expr)?;
    let (category, what) = module_call(ctx, module, name, call)?;
    Some(EnvRead {
        category,
        what,
        span: call.span,
    })
}

/// `process`, `navigator`, … as unshadowed globals, also via `globalThis.x`.
fn global_name<'a>(ctx: &Ctx<'_>, expr: &'a Expression<'_>) -> Option<&'a str> {
    let is_global_object = |e: &Expression<'_>| {
        matches!(e.without_parentheses(), Expression::Identifier(obj)
            if matches!(obj.name.as_str(), "globalThis" | "global" | "window" | "self")
                && is_global(ctx, obj))
    };
    match expr.without_parentheses() {
        Expression::Identifier(id) if is_global(ctx, id) => Some(id.name.as_str()),
        // `const P = globalThis.process` / `= process`: an alias of one of
        // the ambient objects the source table knows.
        Expression::Identifier(id) => global_alias(ctx, id, 0),
        Expression::StaticMemberExpression(m) => {
            is_global_object(&m.object).then_some(m.property.name.as_str())
        }
        // `globalThis["process"]`
        Expression::ComputedMemberExpression(m) if is_global_object(&m.object) => {
            let Expression::StringLiteral(k) = m.expression.without_parentheses() else {
                return None;
            };
            Some(k.value.as_str())
        }
        _ => None,
    }
}

/// The ambient object a never-reassigned binding is initialised with.
fn global_alias(ctx: &Ctx<'_>, id: &IdentifierReference<'_>, depth: u8) -> Option<&'static str> {
    const AMBIENT: &[&str] = &["process", "navigator", "Deno", "Bun", "Intl"];
    if depth > 2 {
        return None;
    }
    let init = const_init(ctx, id)?;
    let name = match init.without_parentheses() {
        Expression::Identifier(inner) if !is_global(ctx, inner) => {
            return global_alias(ctx, inner, depth + 1);
        }
        e => global_name(ctx, e)?,
    };
    AMBIENT.iter().find(|a| **a == name).copied()
}

fn is_global(ctx: &Ctx<'_>, id: &IdentifierReference<'_>) -> bool {
    symbol_of(ctx, id).is_none()
}

/// The symbol an identifier reference resolves to (None = global / unresolved).
pub(crate) fn symbol_of(ctx: &Ctx<'_>, id: &IdentifierReference<'_>) -> Option<SymbolId> {
    let rid = id.reference_id.get()?;
    ctx.semantic.scoping().get_reference(rid).symbol_id()
}

/// Is `expr` an environment-variable object: `process.env`, `Bun.env`,
/// `import.meta.env`, `env` of the `node:process` module however bound
/// (`import p from "node:process"; p.env`, `import { env } from "process"`,
/// `const { env } = process`), or a never-reassigned binding of one?
fn is_env_object(ctx: &Ctx<'_>, expr: &Expression<'_>, depth: u8) -> Option<&'static str> {
    match expr.without_parentheses() {
        Expression::StaticMemberExpression(m) if m.property.name == "env" => {
            match m.object.without_parentheses() {
                Expression::ImportMeta(_) => Some("import.meta.env"),
                obj => match global_name(ctx, obj) {
                    Some("process") => Some("process.env"),
                    Some("Bun") => Some("Bun.env"),
                    Some(_) => None,
                    None => is_process_module(ctx, obj).then_some("process.env"),
                },
            }
        }
        Expression::ComputedMemberExpression(m)
            if m.static_property_name().is_some_and(|k| k == "env") =>
        {
            let obj = m.object.without_parentheses();
            (global_name(ctx, obj) == Some("process") || is_process_module(ctx, obj))
                .then_some("process.env")
        }
        Expression::Identifier(id) if depth < 4 => {
            let sym = symbol_of(ctx, id)?;
            let decl = declarator_of(ctx, sym);
            if let Some(d) = decl
                && !matches!(d.id, BindingPattern::BindingIdentifier(_))
            {
                // `const { env } = process` / `= require("node:process")`.
                let init = d.init.as_ref()?.without_parentheses();
                let from_process =
                    global_name(ctx, init) == Some("process") || is_process_module(ctx, init);
                return (from_process && destructured_key(&d.id, sym).is_some_and(|k| k == "env"))
                    .then_some("process.env");
            }
            if decl.is_none() {
                // `import { env } from "node:process"`.
                return matches!(module_binding(ctx, id), Some((NodeModule::Process, Some(n))) if n == "env")
                    .then_some("process.env");
            }
            let init = const_init(ctx, id)?;
            is_env_object(ctx, init, depth + 1)
        }
        _ => None,
    }
}

/// The `node:process` module object however bound (`import p from "process"`,
/// `require("node:process")`, `await import("process")`).
fn is_process_module(ctx: &Ctx<'_>, expr: &Expression<'_>) -> bool {
    match expr.without_parentheses() {
        Expression::Identifier(id) if !is_global(ctx, id) => {
            matches!(module_binding(ctx, id), Some((NodeModule::Process, None)))
        }
        e @ (Expression::CallExpression(_)
        | Expression::AwaitExpression(_)
        | Expression::ImportExpression(_)) => module_object(ctx, e) == Some(NodeModule::Process),
        _ => false,
    }
}

/// The initializer of the declaration an identifier resolves to, if the
/// binding is a plain `x = init` declarator that is never reassigned.
pub(crate) fn const_init<'a>(
    ctx: &Ctx<'a>,
    id: &IdentifierReference<'_>,
) -> Option<&'a Expression<'a>> {
    let sym = symbol_of(ctx, id)?;
    let decl = declarator_of(ctx, sym)?;
    let BindingPattern::BindingIdentifier(_) = &decl.id else {
        return None;
    };
    if ctx.symbol_is_mutated(sym) {
        return None;
    }
    decl.init.as_ref()
}

/// The AST node declaring `sym`, if the semantic model was built with nodes
/// (`SemanticBuilder::with_build_nodes(true)`); without them we resolve nothing
/// rather than panic.
pub(crate) fn declaration_node<'s, 'a>(
    ctx: &'s Ctx<'a>,
    sym: SymbolId,
) -> Option<&'s oxc_semantic::AstNode<'a>> {
    let id = ctx.semantic.scoping().symbol_declaration(sym);
    (id.index() < ctx.semantic.nodes().len()).then(|| ctx.semantic.nodes().get_node(id))
}

fn declarator_of<'a>(ctx: &Ctx<'a>, sym: SymbolId) -> Option<&'a VariableDeclarator<'a>> {
    match declaration_node(ctx, sym)?.kind() {
        AstKind::VariableDeclarator(d) => Some(d),
        _ => None,
    }
}

/// The property key a symbol is bound under in an object destructuring pattern
/// (`const {hostname: h} = …` → `hostname` for `h`).
fn destructured_key<'a>(
    pattern: &'a BindingPattern<'a>,
    sym: SymbolId,
) -> Option<std::borrow::Cow<'a, str>> {
    let BindingPattern::ObjectPattern(obj) = pattern else {
        return None;
    };
    for prop in &obj.properties {
        let target = match &prop.value {
            BindingPattern::AssignmentPattern(a) => &a.left,
            v => v,
        };
        if let BindingPattern::BindingIdentifier(b) = target
            && b.symbol_id.get() == Some(sym)
        {
            return prop.key.static_name();
        }
    }
    None
}

/// What an identifier reference is bound to, when it comes from a Node
/// builtin module: the module and the exported name (None = the module object).
fn module_binding(
    ctx: &Ctx<'_>,
    id: &IdentifierReference<'_>,
) -> Option<(NodeModule, Option<String>)> {
    let sym = symbol_of(ctx, id)?;
    let node = declaration_node(ctx, sym)?;
    match node.kind() {
        AstKind::ImportDefaultSpecifier(_)
        | AstKind::ImportNamespaceSpecifier(_)
        | AstKind::ImportSpecifier(_) => {
            let AstKind::ImportDeclaration(decl) = ctx.semantic.nodes().parent_kind(node.id())
            else {
                return None;
            };
            let module = node_module(decl.source.value.as_str())?;
            let name = match node.kind() {
                AstKind::ImportSpecifier(s) => {
                    let n = s.imported.name();
                    (n != "default").then(|| n.to_string())
                }
                _ => None,
            };
            Some((module, name))
        }
        AstKind::FormalParameter(_) => {
            // `import("node:os").then((os) => …)`, `.then(({ hostname }) => …)`.
            let nodes = ctx.semantic.nodes();
            let f = nodes.ancestor_ids(node.id()).take(3).find(|&a| {
                matches!(
                    nodes.kind(a),
                    AstKind::ArrowFunctionExpression(_) | AstKind::Function(_)
                )
            })?;
            let AstKind::CallExpression(call) = nodes.parent_kind(f) else {
                return None;
            };
            let m = call.callee.without_parentheses().as_member_expression()?;
            if m.static_property_name()? != "then" {
                return None;
            }
            let module = module_object(ctx, m.object())?;
            let AstKind::FormalParameter(p) = node.kind() else {
                return None;
            };
            match &p.pattern {
                BindingPattern::BindingIdentifier(_) => Some((module, None)),
                pattern => Some((module, Some(destructured_key(pattern, sym)?.into_owned()))),
            }
        }
        AstKind::VariableDeclarator(decl) => {
            let module = required_module(ctx, decl.init.as_ref()?, 0)?;
            match &decl.id {
                BindingPattern::BindingIdentifier(_) => {
                    if ctx.symbol_is_mutated(sym) {
                        return None;
                    }
                    Some((module.0, module.1))
                }
                pattern => {
                    let key = destructured_key(pattern, sym)?;
                    Some((module.0, Some(key.into_owned())))
                }
            }
        }
        _ => None,
    }
}

/// `require("os")`, `__require("node:os")`, `r("os")` (minified alias),
/// `__toESM(require("os"), 1)`, `require("os").default`, or an identifier bound
/// to one of these.
fn required_module<'a>(
    ctx: &Ctx<'a>,
    expr: &Expression<'a>,
    depth: u8,
) -> Option<(NodeModule, Option<String>)> {
    if depth > 3 {
        return None;
    }
    match expr.without_parentheses() {
        // `await import("node:os")`, `import("os")` (the promise, for `.then`).
        Expression::AwaitExpression(a) => required_module(ctx, &a.argument, depth + 1),
        Expression::ImportExpression(i) => match i.source.without_parentheses() {
            Expression::StringLiteral(s) => node_module(s.value.as_str()).map(|m| (m, None)),
            _ => None,
        },
        Expression::CallExpression(call) => {
            if let Some(spec) = call.arguments.first().and_then(arg_str)
                && call.arguments.len() <= 2
                && matches!(call.callee.without_parentheses(), Expression::Identifier(_))
                && let Some(m) = node_module(spec)
            {
                // A one-argument call with a builtin module name: `require` or
                // a bundler/minifier alias of it.
                return Some((m, None));
            }
            // `module.require(…)` / `require(…)` with a name computed from
            // constants (`["o", "s"].join("")`): the evaluator's text.
            if call.arguments.len() == 1
                && is_require_callee(ctx, &call.callee)
                && let Some(arg) = call.arguments[0].as_expression()
                && !matches!(arg.without_parentheses(), Expression::StringLiteral(_))
                && let Some(crate::eval::Value::Str(spec)) =
                    crate::eval::Evaluator::new(ctx).eval(arg)
                && let Some(m) = node_module(&spec)
            {
                return Some((m, None));
            }
            // Interop wrapper around a require: `__toESM(require("os"))`.
            let first = call.arguments.first()?.as_expression()?;
            required_module(ctx, first, depth + 1)
        }
        Expression::StaticMemberExpression(m) if m.property.name == "default" => {
            required_module(ctx, &m.object, depth + 1)
        }
        Expression::StaticMemberExpression(m) => {
            // `require("os").hostname` bound to a name.
            let (module, None) = required_module(ctx, &m.object, depth + 1)? else {
                return None;
            };
            Some((module, Some(m.property.name.to_string())))
        }
        Expression::Identifier(id) => module_binding(ctx, id),
        _ => None,
    }
}

/// `require` (the global one, not a local binding) or `module.require`.
fn is_require_callee(ctx: &Ctx<'_>, callee: &Expression<'_>) -> bool {
    let global = |e: &Expression<'_>, name: &str| {
        matches!(e.without_parentheses(), Expression::Identifier(i)
        if i.name == name
            && i.reference_id.get().is_none_or(|r| {
                ctx.semantic.scoping().get_reference(r).symbol_id().is_none()
            }))
    };
    match callee.without_parentheses() {
        Expression::StaticMemberExpression(m) => {
            m.property.name == "require" && global(&m.object, "module")
        }
        e => global(e, "require"),
    }
}

/// A value a Node built-in module made: `require("crypto").createHash("sha1")`,
/// `createHash("sha1")` with `createHash` bound to the module's export,
/// and the chained calls on it (`….update(a)`), whose methods are the
/// built-in's own.
pub(crate) fn is_builtin_value(ctx: &Ctx<'_>, expr: &Expression<'_>) -> bool {
    let mut e = expr.without_parentheses();
    for _ in 0..6 {
        let Expression::CallExpression(call) = e else {
            return false;
        };
        let callee = call.callee.without_parentheses();
        if matches!(required_module(ctx, callee, 0), Some((_, Some(_)))) {
            return true;
        }
        match callee {
            Expression::StaticMemberExpression(m) => e = m.object.without_parentheses(),
            _ => return false,
        }
    }
    false
}

/// How a binding ranging over a list's entries names `sym`: the entry
/// itself (`k`, `false`) or the first element of a `[k, v]` entry (`true`);
/// `None` for any other pattern.
fn entry_key_binding(pattern: &BindingPattern<'_>, sym: SymbolId) -> Option<bool> {
    match pattern {
        BindingPattern::BindingIdentifier(_) => Some(false),
        BindingPattern::ArrayPattern(a) => match a.elements.first()? {
            Some(BindingPattern::BindingIdentifier(b)) if b.symbol_id.get() == Some(sym) => {
                Some(true)
            }
            _ => None,
        },
        _ => None,
    }
}

fn arg_str<'a>(arg: &'a Argument<'_>) -> Option<&'a str> {
    match arg {
        Argument::StringLiteral(s) => Some(s.value.as_str()),
        Argument::TemplateLiteral(t) if t.expressions.is_empty() => t
            .quasis
            .first()?
            .value
            .cooked
            .as_ref()
            .map(oxc_ast::ast::Str::as_str),
        _ => None,
    }
}

/// A module object expression (identifier bound to a module, or an inline require).
fn module_object(ctx: &Ctx<'_>, expr: &Expression<'_>) -> Option<NodeModule> {
    match required_module(ctx, expr, 0)? {
        (m, None) => Some(m),
        _ => None,
    }
}

/// Identifier reads: destructured env variables (`const {TZ} = process.env`).
fn ident_read(ctx: &Ctx<'_>, id: &IdentifierReference<'_>) -> Option<(EnvCategory, String)> {
    let sym = symbol_of(ctx, id)?;
    let Some(decl) = declarator_of(ctx, sym) else {
        // `import { platform } from "node:process"`.
        if let Some((NodeModule::Process, Some(key))) = module_binding(ctx, id) {
            return lookup(PROCESS_PROPS, &key).map(|c| (c, format!("process.{key}")));
        }
        return None;
    };
    if matches!(decl.id, BindingPattern::BindingIdentifier(_)) {
        return None;
    }
    let init = decl.init.as_ref()?;
    if let Some(object) = is_env_object(ctx, init, 0) {
        let key = destructured_key(&decl.id, sym)?;
        return Some((classify_env_var(&key), format!("{object}.{key}")));
    }
    // `const { env: { TZ: zone } } = process` (or the `node:process` module).
    let init = init.without_parentheses();
    if global_name(ctx, init) == Some("process") || is_process_module(ctx, init) {
        let path = destructured_path(&decl.id, sym, 0)?;
        return match path.as_slice() {
            [env, key] if env == "env" => {
                Some((classify_env_var(key), format!("process.env.{key}")))
            }
            [key] => lookup(PROCESS_PROPS, key).map(|c| (c, format!("process.{key}"))),
            _ => None,
        };
    }
    None
}

/// The keys leading to `sym` in nested object patterns
/// (`{ env: { TZ: zone = "" } }` → `["env", "TZ"]` for `zone`).
fn destructured_path(
    pattern: &BindingPattern<'_>,
    sym: SymbolId,
    depth: u8,
) -> Option<Vec<String>> {
    if depth > 3 {
        return None;
    }
    let BindingPattern::ObjectPattern(obj) = pattern else {
        return None;
    };
    for prop in &obj.properties {
        let target = match &prop.value {
            BindingPattern::AssignmentPattern(a) => &a.left,
            v => v,
        };
        let inner = match target {
            BindingPattern::BindingIdentifier(b) if b.symbol_id.get() == Some(sym) => Vec::new(),
            BindingPattern::ObjectPattern(_) => match destructured_path(target, sym, depth + 1) {
                Some(p) => p,
                None => continue,
            },
            _ => continue,
        };
        let mut path = vec![prop.key.static_name()?.into_owned()];
        path.extend(inner);
        return Some(path);
    }
    None
}

fn member_read<'a>(ctx: &Ctx<'a>, m: &MemberExpression<'a>) -> Option<(EnvCategory, String)> {
    match m {
        MemberExpression::StaticMemberExpression(s) => {
            member_read_with(ctx, &s.object, Some(s.property.name.as_str()))
        }
        MemberExpression::ComputedMemberExpression(c) => computed_read(ctx, c),
        MemberExpression::PrivateFieldExpression(_) => None,
    }
}

fn computed_read<'a>(
    ctx: &Ctx<'a>,
    c: &ComputedMemberExpression<'a>,
) -> Option<(EnvCategory, String)> {
    if let Some(k) = c.static_property_name() {
        return member_read_with(ctx, &c.object, Some(k.as_str()));
    }
    // `process.env[k]` with `const k = "TZ"`.
    if let Some(k) = computed_const_key(ctx, c) {
        return member_read_with(ctx, &c.object, Some(k));
    }
    // A name computed from constants (`process.env[atob("VFo=")]`,
    // `process.env[_0x1b(0x10)]` of a string array): evaluated, only
    // once the object is known to be the environment.
    let Some(env) = is_env_object(ctx, &c.object, 0) else {
        // `function detect(env = process.env) { … env[k] … }`
        // with `k` ranging over a constant list of names.
        if let Some(env) = env_param_default(ctx, &c.object)
            && let Some(names) = listed_env_names(ctx, &c.expression)
        {
            return Some(listed_read(env, &names));
        }
        return member_read_with(ctx, &c.object, None);
    };
    let key = match crate::eval::Evaluator::new(ctx).eval(&c.expression) {
        Some(crate::eval::Value::Str(k)) if !k.is_empty() && k.len() <= 128 => Some(k),
        _ => None,
    };
    if key.is_none()
        && let Some(names) = listed_env_names(ctx, &c.expression)
    {
        return Some(listed_read(env, &names));
    }
    member_read_with(ctx, &c.object, key.as_deref())
}

/// A never-reassigned parameter whose default is the environment object
/// (`function f(env = process.env)`): what it names.
fn env_param_default(ctx: &Ctx<'_>, e: &Expression<'_>) -> Option<&'static str> {
    let Expression::Identifier(id) = e.without_parentheses() else {
        return None;
    };
    let sym = symbol_of(ctx, id)?;
    if ctx.symbol_is_mutated(sym) {
        return None;
    }
    let AstKind::FormalParameter(p) = declaration_node(ctx, sym)?.kind() else {
        return None;
    };
    match (&p.pattern, &p.initializer) {
        (BindingPattern::BindingIdentifier(_), Some(init)) => is_env_object(ctx, init, 1),
        _ => None,
    }
}

/// At most this many names of a listed read are named in its description.
const LISTED_SHOWN: usize = 4;

/// A read of one of several listed variables: its category is the most
/// telling of theirs (a targetable one first), its description names them.
fn listed_read(env: &str, names: &[String]) -> (EnvCategory, String) {
    let cats: Vec<EnvCategory> = names.iter().map(|n| classify_env_var(n)).collect();
    let cat = cats
        .iter()
        .copied()
        .filter(|c| c.is_targetable())
        .min()
        .or_else(|| cats.iter().copied().min())
        .unwrap_or(EnvCategory::Other);
    let mut shown: Vec<&str> = names
        .iter()
        .take(LISTED_SHOWN)
        .map(String::as_str)
        .collect();
    if names.len() > LISTED_SHOWN {
        shown.push("…");
    }
    (cat, format!("{env}[{}]", shown.join(" | ")))
}

/// The variable names a computed key stands for when it is bound, one at a
/// time, to the elements of a constant list: the parameter of a callback of
/// an array method over the list (`NAMES.some((k) => process.env[k])`), or
/// the binding of a `for … of` over it (`for (const k of NAMES)`, `for
/// (const [k, v] of Object.entries(TABLE))`). `None` unless every element
/// is a plausible variable name (the list decides which variables are read,
/// exactly as a literal name would).
fn listed_env_names(ctx: &Ctx<'_>, key: &Expression<'_>) -> Option<Vec<String>> {
    let Expression::Identifier(id) = key.without_parentheses() else {
        return None;
    };
    let sym = symbol_of(ctx, id)?;
    if ctx.symbol_is_mutated(sym) {
        return None;
    }
    let node = declaration_node(ctx, sym)?;
    let nodes = ctx.semantic.nodes();
    // The list the binding ranges over, and whether the binding is the first
    // element of each entry (`[k, v]`) rather than the entry itself.
    let (list, first): (&Expression<'_>, bool) = match node.kind() {
        AstKind::FormalParameter(p) => {
            let first = entry_key_binding(&p.pattern, sym)?;
            let f = nodes.ancestor_ids(node.id()).take(3).find(|&a| {
                matches!(
                    nodes.kind(a),
                    AstKind::ArrowFunctionExpression(_) | AstKind::Function(_)
                )
            })?;
            let params = match nodes.kind(f) {
                AstKind::ArrowFunctionExpression(a) => &a.params,
                AstKind::Function(g) => &g.params,
                _ => return None,
            };
            let AstKind::CallExpression(call) = nodes.parent_kind(f) else {
                return None;
            };
            let m = call.callee.without_parentheses().as_member_expression()?;
            let method = m.static_property_name()?;
            // The element is the first parameter, or the second of a
            // `reduce` callback (after the accumulator).
            let at = usize::from(matches!(method, "reduce" | "reduceRight"));
            if params.items.get(at).map(|x| x.span) != Some(p.span) {
                return None;
            }
            if !matches!(
                method,
                "some"
                    | "every"
                    | "find"
                    | "findIndex"
                    | "findLast"
                    | "findLastIndex"
                    | "filter"
                    | "map"
                    | "flatMap"
                    | "forEach"
                    | "reduce"
                    | "reduceRight"
            ) || call.arguments.first().map(GetSpan::span) != Some(nodes.kind(f).span())
            {
                return None;
            }
            (m.object(), first)
        }
        AstKind::VariableDeclarator(d) => {
            let first = entry_key_binding(&d.id, sym)?;
            let decl = nodes.parent_id(node.id());
            let AstKind::ForOfStatement(f) = nodes.parent_kind(decl) else {
                return None;
            };
            (&f.right, first)
        }
        _ => return None,
    };
    // `Object.keys(T)` / `Object.entries(T)` of a constant table: its keys.
    let table_keys = match list.without_parentheses() {
        Expression::CallExpression(c) if c.arguments.len() == 1 => c
            .callee
            .without_parentheses()
            .as_member_expression()
            .filter(|m| global_name(ctx, m.object()) == Some("Object"))
            .and_then(MemberExpression::static_property_name)
            .filter(|k| (*k == "keys" && !first) || (*k == "entries" && first))
            .and_then(|_| c.arguments[0].as_expression()),
        _ => None,
    };
    let items = match table_keys {
        Some(t) => match Evaluator::new(ctx).eval(t)? {
            Value::Object(kv) => kv.into_iter().map(|(k, _)| Value::Str(k)).collect(),
            _ => return None,
        },
        None => match Evaluator::new(ctx).eval(list)? {
            Value::Array(items) => items,
            _ => return None,
        },
    };
    let first = first && table_keys.is_none();
    let names: Vec<String> = items
        .into_iter()
        .map(|v| match (v, first) {
            (Value::Str(s), false) => Some(s),
            (Value::Array(mut e), true) if !e.is_empty() => match e.swap_remove(0) {
                Value::Str(s) => Some(s),
                _ => None,
            },
            _ => None,
        })
        .collect::<Option<_>>()?;
    let plausible = |n: &str| {
        !n.is_empty() && n.len() <= 64 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    (!names.is_empty() && names.len() <= 64 && names.iter().all(|n| plausible(n))).then_some(names)
}

fn member_read_with(
    ctx: &Ctx<'_>,
    object: &Expression<'_>,
    key: Option<&str>,
) -> Option<(EnvCategory, String)> {
    let object = object.without_parentheses();
    if let Some(env) = is_env_object(ctx, object, 0) {
        return Some(match key {
            Some(k) => (classify_env_var(k), format!("{env}.{k}")),
            None => (EnvCategory::Other, format!("{env}[…]")),
        });
    }
    let key = key?;
    if key == "env" {
        // The environment object itself, not followed by a variable name.
        return match object {
            Expression::ImportMeta(_) => Some((EnvCategory::Other, "import.meta.env".into())),
            o => match global_name(ctx, o)? {
                "process" => Some((EnvCategory::Other, "process.env".into())),
                "Bun" => Some((EnvCategory::Other, "Bun.env".into())),
                _ => None,
            },
        };
    }
    match global_name(ctx, object) {
        Some("process") => {
            // `process.getuid` tested before the call reads the same thing.
            let call = if key.starts_with("get") { "()" } else { "" };
            return lookup(PROCESS_PROPS, key).map(|c| (c, format!("process.{key}{call}")));
        }
        Some("navigator") => {
            return lookup(NAVIGATOR_PROPS, key).map(|c| (c, format!("navigator.{key}")));
        }
        Some("Deno") if key == "hostname" => {
            return Some((EnvCategory::Identity, "Deno.hostname".into()));
        }
        Some(_) => return None,
        None => {
            if let Some(c) = lookup(PROCESS_PROPS, key)
                && is_process_module(ctx, object)
            {
                let call = if key.starts_with("get") { "()" } else { "" };
                return Some((c, format!("process.{key}{call}")));
            }
        }
    }
    // `Intl.DateTimeFormat().resolvedOptions().timeZone` / `.locale`
    if matches!(key, "timeZone" | "locale" | "timeZoneName")
        && let Expression::CallExpression(call) = object
        && is_resolved_options(ctx, call)
    {
        return Some((
            EnvCategory::TimeZone,
            format!("Intl.DateTimeFormat().resolvedOptions().{key}"),
        ));
    }
    // `Deno.build.os` / `.arch`
    if let Expression::StaticMemberExpression(inner) = object
        && inner.property.name == "build"
        && global_name(ctx, &inner.object) == Some("Deno")
    {
        return Some((EnvCategory::Platform, format!("Deno.build.{key}")));
    }
    None
}

fn computed_const_key<'x>(ctx: &Ctx<'x>, c: &ComputedMemberExpression<'_>) -> Option<&'x str> {
    let Expression::Identifier(id) = c.expression.without_parentheses() else {
        return None;
    };
    let sym = symbol_of(ctx, id)?;
    let decl = declarator_of(ctx, sym)?;
    if ctx.symbol_is_mutated(sym) {
        return None;
    }
    match decl.init.as_ref()?.without_parentheses() {
        Expression::StringLiteral(s) => Some(s.value.as_str()),
        _ => None,
    }
}

/// `X.resolvedOptions()` where X is `Intl.Foo(...)` / `new Intl.Foo(...)`.
fn is_resolved_options(ctx: &Ctx<'_>, call: &CallExpression<'_>) -> bool {
    let Some(m) = call.callee.without_parentheses().as_member_expression() else {
        return false;
    };
    if m.static_property_name() != Some("resolvedOptions") {
        return false;
    }
    let ctor = match m.object().without_parentheses() {
        Expression::CallExpression(c) => &c.callee,
        Expression::NewExpression(n) => &n.callee,
        _ => return false,
    };
    match ctor.without_parentheses() {
        Expression::StaticMemberExpression(sm) => global_name(ctx, &sm.object) == Some("Intl"),
        _ => false,
    }
}

/// The function a call calls: `(0, m.f)(…)` — how esbuild, tsc and Babel
/// call an imported binding without `this` — calls `m.f`.
fn indirect_callee<'e, 'a>(callee: &'e Expression<'a>) -> &'e Expression<'a> {
    let callee = callee.without_parentheses();
    match callee {
        Expression::SequenceExpression(s)
            if s.expressions.len() == 2
                && matches!(s.expressions[0], Expression::NumericLiteral(_)) =>
        {
            s.expressions[1].without_parentheses()
        }
        e => e,
    }
}

fn call_read(ctx: &Ctx<'_>, call: &CallExpression<'_>) -> Option<(EnvCategory, String)> {
    let callee = indirect_callee(&call.callee);
    if is_resolved_options(ctx, call) {
        return Some((
            EnvCategory::TimeZone,
            "Intl.DateTimeFormat().resolvedOptions()".into(),
        ));
    }
    // `Reflect.get(process.env, "NAME")` is `process.env.NAME`.
    if let Expression::StaticMemberExpression(m) = callee
        && m.property.name == "get"
        && matches!(m.object.without_parentheses(), Expression::Identifier(r) if r.name == "Reflect" && is_global(ctx, r))
        && let (Some(obj), Some(Expression::StringLiteral(k))) = (
            call.arguments
                .first()
                .and_then(oxc_ast::ast::Argument::as_expression),
            call.arguments
                .get(1)
                .and_then(oxc_ast::ast::Argument::as_expression),
        )
    {
        return member_read_with(ctx, obj, Some(k.value.as_str()));
    }
    match callee {
        Expression::Identifier(id) => {
            // `import {hostname} from "os"`, `const {execSync: x} = require("child_process")`
            if let Some((module, Some(name))) = module_binding(ctx, id)
                && module != NodeModule::Other
            {
                return module_call(ctx, module, &name, call);
            }
            // Bare `execSync("whoami")`/`readFileSync("/etc/timezone")` from an unresolved source.
            file_or_command(ctx, id.name.as_str(), call)
        }
        e => {
            let m = e.as_member_expression()?;
            let name = m.static_property_name()?;
            // Most calls in a bundle are method calls: reject by name before
            // resolving the receiver's binding.
            if !is_probe_method(name) {
                return None;
            }
            let object = m.object().without_parentheses();
            if name == "getTimezoneOffset" {
                return Some((EnvCategory::TimeZone, "Date#getTimezoneOffset()".into()));
            }
            // `new Date().toString()` ends with the local zone's name
            // ("… GMT+0800 (China Standard Time)").
            if matches!(name, "toString" | "toTimeString")
                && call.arguments.is_empty()
                && let Expression::NewExpression(n) = object
                && matches!(n.callee.without_parentheses(), Expression::Identifier(d) if d.name == "Date" && is_global(ctx, d))
            {
                return Some((EnvCategory::TimeZone, format!("Date#{name}() (zone name)")));
            }
            if matches!(name, "toString" | "toTimeString") {
                return None;
            }
            if name == "get"
                && let Expression::StaticMemberExpression(inner) = object
                && inner.property.name == "env"
                && global_name(ctx, &inner.object) == Some("Deno")
            {
                let var = call.arguments.first().and_then(arg_str);
                return Some(match var {
                    Some(v) => (classify_env_var(v), format!("Deno.env.get(\"{v}\")")),
                    None => (EnvCategory::Other, "Deno.env.get(…)".into()),
                });
            }
            if matches!(name, "toObject")
                && let Expression::StaticMemberExpression(inner) = object
                && inner.property.name == "env"
                && global_name(ctx, &inner.object) == Some("Deno")
            {
                return Some((EnvCategory::Other, "Deno.env".into()));
            }
            if let Some(g) = global_name(ctx, object) {
                return match g {
                    "process" => {
                        lookup(PROCESS_PROPS, name).map(|c| (c, format!("process.{name}()")))
                    }
                    "Deno" if name == "hostname" => {
                        Some((EnvCategory::Identity, "Deno.hostname()".into()))
                    }
                    // `fs.readFileSync` with an unresolvable `fs` still names the file.
                    _ => file_or_command(ctx, name, call),
                };
            }
            if let Some(module) = module_object(ctx, object)
                && module != NodeModule::Other
            {
                return module_call(ctx, module, name, call);
            }
            file_or_command(ctx, name, call)
        }
    }
}

/// Method names that can be an environment read on some receiver.
fn is_probe_method(name: &str) -> bool {
    matches!(
        name,
        "getTimezoneOffset"
            | "get"
            | "toObject"
            | "hostname"
            | "stat"
            | "statSync"
            | "lstat"
            | "lstatSync"
            | "file"
            | "toString"
            | "toTimeString"
            | "getServers"
    ) || name.starts_with("read")
        || name.starts_with("open")
        || name.starts_with("createRead")
        || EXEC_METHODS.contains(&name)
        || lookup(OS_FUNCTIONS, name).is_some()
        || lookup(PROCESS_PROPS, name).is_some()
}

fn module_call(
    ctx: &Ctx<'_>,
    module: NodeModule,
    name: &str,
    call: &CallExpression<'_>,
) -> Option<(EnvCategory, String)> {
    match module {
        NodeModule::Os => lookup(OS_FUNCTIONS, name).map(|c| (c, format!("os.{name}()"))),
        NodeModule::ChildProcess | NodeModule::Fs => file_or_command(ctx, name, call),
        NodeModule::Process => {
            lookup(PROCESS_PROPS, name).map(|c| (c, format!("process.{name}()")))
        }
        NodeModule::Dns => (name == "getServers").then(|| {
            (
                EnvCategory::Endpoint,
                "dns.getServers() (resolver configuration)".into(),
            )
        }),
        NodeModule::Other => None,
    }
}

/// A read of a system identity file or a child process printing identity,
/// judged by the method kind and the first argument: a constant path or
/// command, or the literal parts of a built one (`path.join(home, ".gitconfig")`,
/// `` `${home}/.npmrc` ``).
fn file_or_command(
    ctx: &Ctx<'_>,
    name: &str,
    call: &CallExpression<'_>,
) -> Option<(EnvCategory, String)> {
    let first = call.arguments.first()?.as_expression()?;
    if name.starts_with("read")
        || name.starts_with("open")
        || name.starts_with("createRead")
        || matches!(name, "stat" | "statSync" | "file" | "lstat" | "lstatSync")
    {
        let mut parts = Vec::new();
        literal_parts(ctx, first, &mut parts, 0);
        for p in parts.iter().rev() {
            if let Some(cat) = classify_path(p) {
                return Some((cat, format!("{name}(\"{p}\")")));
            }
        }
        return None;
    }
    if EXEC_METHODS.contains(&name) {
        let arg = arg_str(call.arguments.first()?)?;
        let mut words = arg.split_whitespace();
        let first = words.next()?;
        let base = first.rsplit(['/', '\\']).next()?.trim_end_matches(".exe");
        // `git config user.email`, `cat /etc/timezone`, `readlink /etc/localtime`.
        if base == "git" && arg.contains("user.") {
            return Some((EnvCategory::Identity, format!("{name}(\"{arg}\")")));
        }
        if matches!(base, "cat" | "readlink" | "head" | "type")
            && let Some(cat) = words.find_map(classify_path)
        {
            return Some((cat, format!("{name}(\"{arg}\")")));
        }
        let cat = lookup(COMMANDS, base)?;
        return Some((cat, format!("{name}(\"{base}\")")));
    }
    None
}

/// The constant strings inside a path expression: a literal, a template's
/// quasis, the operands of `+`, the arguments of `path.join`/`resolve`.
fn literal_parts(ctx: &Ctx<'_>, e: &Expression<'_>, out: &mut Vec<String>, depth: u8) {
    if depth > 6 || out.len() > 16 {
        return;
    }
    match e.without_parentheses() {
        Expression::StringLiteral(s) => out.push(s.value.to_string()),
        Expression::TemplateLiteral(t) => {
            for q in &t.quasis {
                if let Some(c) = &q.value.cooked {
                    out.push(c.to_string());
                }
            }
            for x in &t.expressions {
                literal_parts(ctx, x, out, depth + 1);
            }
        }
        Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
            literal_parts(ctx, &b.left, out, depth + 1);
            literal_parts(ctx, &b.right, out, depth + 1);
        }
        // A constant binding, or a field of a constant object literal
        // (obfuscators hoist strings into such objects).
        Expression::Identifier(id) => {
            if let Some(init) = const_init(ctx, id) {
                literal_parts(ctx, init, out, depth + 1);
            } else if let Some(sym) = symbol_of(ctx, id) {
                param_parts(ctx, sym, out, depth);
            }
        }
        // `this.file` of a class whose constructor stores it (`this.file =
        // file` with `constructor(file = "/etc/resolv.conf")`).
        Expression::StaticMemberExpression(m)
            if matches!(
                m.object.without_parentheses(),
                Expression::ThisExpression(_)
            ) =>
        {
            let k = m.property.name.as_str();
            let Some(owner) = crate::flow::walk::this_owner(ctx, m.node_id.get()) else {
                return;
            };
            let AstKind::Class(class) = ctx.semantic.nodes().kind(owner) else {
                return;
            };
            let Some(ctor) = crate::flow::walk::constructor_of(class) else {
                return;
            };
            let crate::flow::FnRef::Function(ctor) = ctor else {
                return;
            };
            let Some(body) = &ctor.body else {
                return;
            };
            for st in &body.statements {
                if let oxc_ast::ast::Statement::ExpressionStatement(x) = st
                    && let Expression::AssignmentExpression(a) = x.expression.without_parentheses()
                    && let Some(oxc_ast::ast::SimpleAssignmentTarget::StaticMemberExpression(l)) =
                        a.left.as_simple_assignment_target()
                    && matches!(
                        l.object.without_parentheses(),
                        Expression::ThisExpression(_)
                    )
                    && l.property.name == k
                {
                    literal_parts(ctx, &a.right, out, depth + 1);
                }
            }
        }
        Expression::LogicalExpression(l) => {
            literal_parts(ctx, &l.left, out, depth + 1);
            literal_parts(ctx, &l.right, out, depth + 1);
        }
        // `PATHS[i]`: any element of a constant list.
        Expression::ComputedMemberExpression(m) => list_parts(ctx, &m.object, out, depth + 1),
        Expression::StaticMemberExpression(m) => {
            if let Expression::Identifier(o) = m.object.without_parentheses()
                && let Some(Expression::ObjectExpression(obj)) =
                    const_init(ctx, o).map(Expression::without_parentheses)
            {
                for p in &obj.properties {
                    if let oxc_ast::ast::ObjectPropertyKind::ObjectProperty(p) = p
                        && p.key
                            .static_name()
                            .is_some_and(|k| k == m.property.name.as_str())
                    {
                        literal_parts(ctx, &p.value, out, depth + 1);
                    }
                }
            }
        }
        Expression::CallExpression(c)
            if match c.callee.without_parentheses() {
                Expression::Identifier(i) => matches!(i.name.as_str(), "join" | "resolve"),
                e => e
                    .as_member_expression()
                    .and_then(MemberExpression::static_property_name)
                    .is_some_and(|n| matches!(n, "join" | "resolve" | "normalize")),
            } =>
        {
            for a in c.arguments.iter().filter_map(Argument::as_expression) {
                literal_parts(ctx, a, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// The constant strings of the elements of a constant list: an array literal
/// or a never-reassigned binding (or constant field) holding one.
fn list_parts(ctx: &Ctx<'_>, e: &Expression<'_>, out: &mut Vec<String>, depth: u8) {
    if depth > 6 {
        return;
    }
    match e.without_parentheses() {
        Expression::ArrayExpression(a) => {
            for el in a.elements.iter().filter_map(|e| e.as_expression()) {
                literal_parts(ctx, el, out, depth + 1);
            }
        }
        Expression::Identifier(id) => {
            if let Some(init) = const_init(ctx, id) {
                list_parts(ctx, init, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// The constant strings a never-reassigned binding may hold: the elements of
/// the constant list a `for … of` binding ranges over; for a parameter, its default,
/// and the argument at its position in each direct call of its function by
/// name in this file (`async function exists(p) { await fs.access(p) }` with
/// `exists(path.join(home, ".aws", "credentials"))`).
fn param_parts(ctx: &Ctx<'_>, sym: SymbolId, out: &mut Vec<String>, depth: u8) {
    if ctx.symbol_is_mutated(sym) {
        return;
    }
    let Some(node) = declaration_node(ctx, sym) else {
        return;
    };
    let nodes = ctx.semantic.nodes();
    // `for (const f of ["/etc/machine-id", "/var/lib/dbus/machine-id"])`.
    if let AstKind::VariableDeclarator(d) = node.kind()
        && matches!(d.id, BindingPattern::BindingIdentifier(_))
        && let AstKind::ForOfStatement(fo) = nodes.parent_kind(nodes.parent_id(node.id()))
    {
        list_parts(ctx, &fo.right, out, depth);
        return;
    }
    let AstKind::FormalParameter(p) = node.kind() else {
        return;
    };
    if !matches!(p.pattern, BindingPattern::BindingIdentifier(_)) {
        return;
    }
    if let Some(init) = &p.initializer {
        literal_parts(ctx, init, out, depth + 1);
    }
    let Some(f) = nodes.ancestor_ids(node.id()).take(3).find(|&a| {
        matches!(
            nodes.kind(a),
            AstKind::Function(_) | AstKind::ArrowFunctionExpression(_)
        )
    }) else {
        return;
    };
    // The element parameter of a callback over a constant list:
    // `PATHS.find(p => existsSync(p))`, `PATHS.forEach(function (p) {…})`,
    // `PATHS.reduce((acc, p) => …, init)`.
    if let AstKind::CallExpression(c) = nodes.parent_kind(f)
        && let Some(m) = c.callee.without_parentheses().as_member_expression()
        && let Some(method) = m.static_property_name()
        && let Some(elem_at) = match method {
            "forEach" | "map" | "flatMap" | "find" | "findLast" | "findIndex" | "some"
            | "every" | "filter" => Some(0),
            "reduce" | "reduceRight" => Some(1),
            _ => None,
        }
        && c.arguments
            .first()
            .and_then(Argument::as_expression)
            .is_some_and(|a| a.without_parentheses().span() == nodes.kind(f).span())
    {
        let params = match nodes.kind(f) {
            AstKind::Function(g) => &g.params,
            AstKind::ArrowFunctionExpression(a) => &a.params,
            _ => return,
        };
        if params.items.get(elem_at).is_some_and(|x| x.span == p.span) {
            list_parts(ctx, m.object(), out, depth);
        }
        return;
    }
    let (params, fsym) = match nodes.kind(f) {
        AstKind::Function(g) => (&g.params, g.id.as_ref().and_then(|i| i.symbol_id.get())),
        AstKind::ArrowFunctionExpression(a) => {
            let fsym = match nodes.parent_kind(f) {
                AstKind::VariableDeclarator(d) => {
                    d.id.get_binding_identifier()
                        .and_then(|b| b.symbol_id.get())
                }
                _ => None,
            };
            (&a.params, fsym)
        }
        _ => return,
    };
    let Some(idx) = params.items.iter().position(|x| x.span == p.span) else {
        return;
    };
    let Some(fsym) = fsym else {
        return;
    };
    let scoping = ctx.semantic.scoping();
    for r in scoping.get_resolved_reference_ids(fsym).iter().take(16) {
        let rnode = scoping.get_reference(*r).node_id();
        let AstKind::CallExpression(c) = nodes.parent_kind(rnode) else {
            continue;
        };
        if c.callee.without_parentheses().span() != nodes.kind(rnode).span() {
            continue;
        }
        if let Some(a) = c.arguments.get(idx).and_then(Argument::as_expression) {
            literal_parts(ctx, a, out, depth + 1);
        }
    }
}

// ---------------------------------------------------------------------------
// analyze
// ---------------------------------------------------------------------------

/// PS301–PS305.
///
/// One linear pass over oxc_semantic's node table (cheaper than a recursive
/// walk; nodes are in pre-order, so "inside the read just recorded" is a span
/// test). Without a node table (`with_build_nodes(false)`) nothing is reported.
pub fn analyze(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    let mut pass = Pass::new(ctx);
    for node in ctx.semantic.nodes().iter() {
        pass.node(node);
    }
    pass.finish(out);
}

/// The environment analysis as one step of a shared pass over the node table
/// (see `crate::analyze_source`).
pub(crate) struct Pass<'c, 'a> {
    v: EnvVisitor<'c, 'a>,
    skip_until: u32,
    /// Symbols bound by `const {X} = process.env`: identifiers are the most
    /// numerous nodes, so they are tested against this set instead of
    /// resolving each one's declaration (declarations precede uses in pre-order).
    destructured: HashSet<SymbolId>,
}

impl<'c, 'a> Pass<'c, 'a> {
    pub(crate) fn new(ctx: &'c Ctx<'a>) -> Pass<'c, 'a> {
        Pass {
            v: EnvVisitor {
                ctx,
                reads: BTreeMap::new(),
                targeting: Vec::new(),
            },
            skip_until: 0,
            destructured: HashSet::new(),
        }
    }

    #[inline]
    pub(crate) fn node(&mut self, node: &oxc_semantic::AstNode<'a>) {
        let kind = node.kind();
        // Match on the tag first: touching every node's memory is the cost here.
        let span = match kind {
            AstKind::CallExpression(c) => {
                self.v.check_call(c);
                c.span
            }
            // Only the top of a `||` chain: the chain is flattened there.
            AstKind::LogicalExpression(l) => {
                if l.operator == LogicalOperator::Or && !parent_is_or(self.v.ctx, node.id()) {
                    self.v.check_logical(l);
                }
                return;
            }
            AstKind::SwitchStatement(sw) => {
                self.v.check_switch(sw);
                return;
            }
            AstKind::ForOfStatement(f) => {
                self.v.check_for_of(f);
                return;
            }
            AstKind::VariableDeclarator(d) => {
                if let (BindingPattern::ObjectPattern(p), Some(init)) = (&d.id, &d.init)
                    && is_env_object(self.v.ctx, init, 0).is_some()
                {
                    self.destructured.extend(p.properties.iter().filter_map(
                        |prop| match &prop.value {
                            BindingPattern::BindingIdentifier(b) => b.symbol_id.get(),
                            BindingPattern::AssignmentPattern(a) => {
                                a.left.get_binding_identifier()?.symbol_id.get()
                            }
                            _ => None,
                        },
                    ));
                }
                return;
            }
            AstKind::IdentifierReference(id) => {
                if self.destructured.is_empty()
                    || !symbol_of(self.v.ctx, id).is_some_and(|s| self.destructured.contains(&s))
                {
                    return;
                }
                id.span
            }
            AstKind::StaticMemberExpression(m) => m.span,
            AstKind::ComputedMemberExpression(m) => m.span,
            _ => return,
        };
        if span.start < self.skip_until {
            // Inside a read already counted (`process.env` within `process.env.X`).
            return;
        }
        if let Some(read) = read_of_kind(self.v.ctx, kind) {
            self.skip_until = span.end;
            let e = self
                .v
                .reads
                .entry((read.category, read.what))
                .or_insert((read.span, 0));
            e.1 += 1;
        }
    }

    pub(crate) fn finish(self, out: &mut Vec<Finding>) {
        let v = self.v;
        let ctx = v.ctx;
        for ((category, what), (first, count)) in v.reads {
            let Some(rule) = category.rule() else {
                continue;
            };
            let mut f = Finding::new(
                rule,
                format!("reads {} `{what}`", category.label()),
                ctx.location(first),
            );
            f.notes
                .push(format!("{count} read site(s) in this file; first shown"));
            f.snippet = Some(clip(ctx.text(first), 200));
            f.subject = Some(what);
            f.occurrences = Some(count as u64);
            out.push(f);
        }
        out.extend(v.targeting);
    }
}

fn parent_is_or(ctx: &Ctx<'_>, id: oxc_semantic::NodeId) -> bool {
    let nodes = ctx.semantic.nodes();
    let mut p = nodes.parent_id(id);
    for _ in 0..4 {
        match nodes.kind(p) {
            AstKind::ParenthesizedExpression(_) => p = nodes.parent_id(p),
            AstKind::LogicalExpression(l) => return l.operator == LogicalOperator::Or,
            _ => return false,
        }
    }
    false
}

/// [`env_read`] on a node of the semantic node table.
fn read_of_kind<'a>(ctx: &Ctx<'a>, kind: AstKind<'a>) -> Option<EnvRead> {
    let (span, (category, what)) = match kind {
        AstKind::StaticMemberExpression(m) => (
            m.span,
            member_read_with(ctx, &m.object, Some(m.property.name.as_str()))?,
        ),
        AstKind::ComputedMemberExpression(m) => (m.span, computed_read(ctx, m)?),
        AstKind::CallExpression(c) => (c.span, call_read(ctx, c)?),
        AstKind::IdentifierReference(id) => (id.span, ident_read(ctx, id)?),
        _ => return None,
    };
    Some(EnvRead {
        category,
        what,
        span,
    })
}

struct EnvVisitor<'c, 'a> {
    ctx: &'c Ctx<'a>,
    /// (category, what) → (first span, count)
    reads: BTreeMap<(EnvCategory, String), (Span, usize)>,
    targeting: Vec<Finding>,
}

impl<'a> EnvVisitor<'_, 'a> {
    /// The env read an operand carries: the read itself or a binding it flows
    /// into by declaration (`const h = os.hostname().toLowerCase()`).
    fn env_of(&self, expr: &Expression<'a>) -> Option<EnvRead> {
        env_value(self.ctx, expr, 0)
    }

    /// A PS305 finding, graded by what the list is ([`grade_list`]).
    /// `list_expr` is where the list came from when it is not literals in
    /// place (a `LIST.includes(v)` receiver, a `for…of` iterable).
    fn report_targeting(
        &mut self,
        span: Span,
        node: oxc_semantic::NodeId,
        read: &EnvRead,
        list: &[String],
        list_expr: Option<&Expression<'a>>,
        how: &str,
    ) {
        if !read.category.is_targetable() {
            return;
        }
        let hidden = list_expr.is_some_and(|e| !list_is_written(self.ctx, e, list));
        let refuses = refuses_unlisted(self.ctx, node);
        let Some(graded) = grade_list(read, list, hidden, refuses) else {
            return;
        };
        let mut f = Finding::new(
            Rule::EnvTargeting,
            format!(
                "{} `{}` is compared against {} of {} {} ({how})",
                read.category.label(),
                read.what,
                if hidden { "a hidden list" } else { "a list" },
                graded.values.len(),
                graded.kind,
            ),
            self.ctx.location(span),
        );
        f.severity = graded.severity;
        f.subject = Some(read.what.clone());
        f.decoded = Some(graded.values.join(", "));
        f.list = Some(ValueList {
            kind: graded.kind.to_string(),
            count: graded.values.len(),
            hidden,
        });
        f.snippet = Some(
            crate::hidden::enclosing_function(self.ctx, node)
                .unwrap_or_else(|| clip(self.ctx.text(span), 400)),
        );
        f.notes.push(format!("environment source: {}", read.what));
        f.notes.push(graded.reason);
        if graded.dropped > 0 {
            f.notes.push(format!(
                "{} well-known value(s) of the list left out (sentinels such as \"\", \"C\", \"UTC\", \"localhost\")",
                graded.dropped
            ));
        }
        self.targeting.push(f);
    }

    /// `LIST.includes(v)`, `LIST.indexOf(v)`, `new Set(LIST).has(v)`,
    /// `LIST.some(d => v.endsWith(d))` and friends.
    fn check_call(&mut self, call: &CallExpression<'a>) {
        let Some(m) = call.callee.without_parentheses().as_member_expression() else {
            return;
        };
        let Some(method) = m.static_property_name() else {
            return;
        };
        match method {
            "includes" | "indexOf" | "has" | "lastIndexOf" => {
                let Some(arg) = call.arguments.first().and_then(Argument::as_expression) else {
                    return;
                };
                let Some(read) = self.env_of(arg) else { return };
                let Some(list) = constant_list(self.ctx, m.object()) else {
                    return;
                };
                self.report_targeting(
                    call.span,
                    call.node_id.get(),
                    &read,
                    &list,
                    Some(m.object()),
                    method,
                );
            }
            "some" | "find" | "findIndex" | "every" | "filter" => {
                // Any env value mentioned in a small callback decides membership;
                // look for it first (cheap, bounded) and evaluate the receiver only then.
                let found = match call.arguments.first() {
                    Some(Argument::ArrowFunctionExpression(f)) if f.span.size() < 2048 => {
                        let mut finder = EnvFinder {
                            ctx: self.ctx,
                            found: None,
                        };
                        finder.visit_arrow_function_body(&f.body);
                        finder.found
                    }
                    Some(Argument::FunctionExpression(f)) if f.span.size() < 2048 => {
                        let mut finder = EnvFinder {
                            ctx: self.ctx,
                            found: None,
                        };
                        if let Some(body) = &f.body {
                            finder.visit_function_body(body);
                        }
                        finder.found
                    }
                    _ => None,
                };
                let Some(read) = found else { return };
                let Some(list) = constant_list(self.ctx, m.object()) else {
                    return;
                };
                self.report_targeting(
                    call.span,
                    call.node_id.get(),
                    &read,
                    &list,
                    Some(m.object()),
                    method,
                );
            }
            _ => {}
        }
    }

    /// `v === "a" || v === "b"`, `v.endsWith("x") || v.endsWith("y")`.
    fn check_logical(&mut self, e: &LogicalExpression<'a>) {
        if e.operator != LogicalOperator::Or {
            return;
        }
        let mut leaves = Vec::new();
        collect_or(&e.left, &mut leaves);
        collect_or(&e.right, &mut leaves);
        let mut read: Option<EnvRead> = None;
        let mut consts = Vec::new();
        for leaf in leaves {
            let Some((subject, value)) = compare_leaf(leaf) else {
                continue;
            };
            let Some(r) = self.env_of(subject) else {
                continue;
            };
            if read.as_ref().is_some_and(|x| x.what != r.what) {
                continue;
            }
            read = Some(r);
            consts.push(value);
        }
        if let Some(read) = read {
            self.report_targeting(
                e.span,
                e.node_id.get(),
                &read,
                &consts,
                None,
                "chained comparisons",
            );
        }
    }

    /// `for (const d of LIST) if (h.endsWith(d)) …`: a small loop over a
    /// constant list whose body compares an env value.
    fn check_for_of(&mut self, f: &ForOfStatement<'a>) {
        if f.body.span().size() > 2048 {
            return;
        }
        let mut finder = EnvFinder {
            ctx: self.ctx,
            found: None,
        };
        finder.visit_statement(&f.body);
        let Some(read) = finder.found else { return };
        let text = self.ctx.text(f.body.span());
        if !["endsWith", "startsWith", "includes", "===", "=="]
            .iter()
            .any(|t| text.contains(t))
        {
            return;
        }
        let Some(list) = constant_list(self.ctx, &f.right) else {
            return;
        };
        self.report_targeting(
            f.span,
            f.node_id.get(),
            &read,
            &list,
            Some(&f.right),
            "for…of loop",
        );
    }

    fn check_switch(&mut self, s: &SwitchStatement<'a>) {
        let Some(read) = self.env_of(&s.discriminant) else {
            return;
        };
        let consts: Vec<String> = s
            .cases
            .iter()
            .filter_map(|c| literal_text(c.test.as_ref()?))
            .collect();
        self.report_targeting(s.span, s.node_id.get(), &read, &consts, None, "switch");
    }
}

/// Leaves of an `a || b || c` chain, left to right. Iterative: minified code
/// has chains thousands of operands long.
fn collect_or<'b, 'a>(e: &'b Expression<'a>, out: &mut Vec<&'b Expression<'a>>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match e.without_parentheses() {
            Expression::LogicalExpression(l) if l.operator == LogicalOperator::Or => {
                stack.push(&l.right);
                stack.push(&l.left);
            }
            other => out.push(other),
        }
    }
}

/// `subject === "c"`, `"c" == subject`, `subject === -480`, `subject.endsWith("c")`,
/// `.includes("c")`, `.startsWith("c")`.
fn compare_leaf<'b, 'a>(e: &'b Expression<'a>) -> Option<(&'b Expression<'a>, String)> {
    match e.without_parentheses() {
        Expression::BinaryExpression(b) => binary_const(b),
        Expression::CallExpression(c) => {
            let m = c.callee.without_parentheses().as_member_expression()?;
            let name = m.static_property_name()?;
            if !matches!(name, "endsWith" | "startsWith" | "includes") {
                return None;
            }
            let s = c.arguments.first().and_then(arg_str)?;
            Some((m.object(), s.to_string()))
        }
        _ => None,
    }
}

/// A string or (signed) number literal, as text.
fn literal_text(e: &Expression<'_>) -> Option<String> {
    match e.without_parentheses() {
        Expression::StringLiteral(s) => Some(s.value.to_string()),
        Expression::NumericLiteral(n) => Some(crate::eval::num_to_string(n.value)),
        Expression::UnaryExpression(u)
            if u.operator == oxc_syntax::operator::UnaryOperator::UnaryNegation =>
        {
            match u.argument.without_parentheses() {
                Expression::NumericLiteral(n) => Some(crate::eval::num_to_string(-n.value)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn binary_const<'b, 'a>(b: &'b BinaryExpression<'a>) -> Option<(&'b Expression<'a>, String)> {
    if !matches!(
        b.operator,
        BinaryOperator::StrictEquality | BinaryOperator::Equality
    ) {
        return None;
    }
    if let Some(t) = literal_text(&b.right) {
        return Some((&b.left, t));
    }
    literal_text(&b.left).map(|t| (&b.right, t))
}

/// Does the constant list hold the *kind* of value that identifies a target
/// for this source? Endpoint sources must be compared with hosts/URLs, zone
/// sources with IANA zones or UTC offsets, locale sources with something other
/// than plain language tags (a list of supported UI languages is i18n, not
/// targeting). Identity values (host and user names) have no fixed shape.
pub(crate) fn list_fits(read: &EnvRead, list: &[String]) -> bool {
    let fits = |pred: &dyn Fn(&str) -> bool| list.iter().filter(|s| pred(s)).count() >= 2;
    match read.category {
        EnvCategory::Endpoint => fits(&|s| is_hostish(s)),
        EnvCategory::TimeZone if is_locale_source(&read.what) => {
            !list.iter().all(|s| is_language_tag(s)) && fits(&|s| !is_language_tag(s))
        }
        EnvCategory::TimeZone => {
            fits(&|s| crate::hidden::is_timezone(s) || is_utc_offset(s) || s.parse::<f64>().is_ok())
        }
        EnvCategory::Identity => list.iter().filter(|s| !s.is_empty()).count() >= 2,
        EnvCategory::Platform | EnvCategory::Ci | EnvCategory::Other => false,
    }
}

/// Is any constant a read is compared with of the kind that targets it
/// (a host for an endpoint, a zone or offset for a zone, something other
/// than a language tag for a locale, any value for an identity)? The
/// per-value test of [`list_fits`], for one comparison rather than a list.
/// Part of a value (`"America/"`, `"Shanghai"`, `".corp.example"`) counts:
/// prefix, suffix and substring tests compare with parts. A pattern
/// (`/^Asia\//`) is taken to fit: its shape is not checked.
pub(crate) fn compared_fits(read: &EnvRead, with: &[String]) -> bool {
    with.iter().any(|s| {
        if is_pattern_constant(s) {
            return true;
        }
        match read.category {
            EnvCategory::Endpoint => is_hostish(s) || is_host_fragment(s),
            EnvCategory::TimeZone if is_locale_source(&read.what) => !is_language_tag(s),
            EnvCategory::TimeZone => {
                crate::hidden::is_timezone(s)
                    || is_utc_offset(s)
                    || s.parse::<f64>().is_ok()
                    || is_zone_fragment(s)
            }
            EnvCategory::Identity => !s.is_empty(),
            EnvCategory::Platform | EnvCategory::Ci | EnvCategory::Other => false,
        }
    })
}

/// A regular expression as the taint graph notes it: `/source/flags`.
fn is_pattern_constant(s: &str) -> bool {
    s.len() >= 2
        && s.starts_with('/')
        && s[1..].rfind('/').is_some_and(|i| {
            s[i + 2..]
                .bytes()
                .all(|b| matches!(b, b'd' | b'g' | b'i' | b'm' | b's' | b'u' | b'v' | b'y'))
        })
}

/// Three or more characters of an IANA zone name (`"America/"`, `"Tokyo"`).
fn is_zone_fragment(s: &str) -> bool {
    let t = s.trim();
    t.chars().count() >= 3
        && t.chars().any(char::is_alphabetic)
        && crate::tz_names::TZ_NAMES
            .iter()
            .any(|z| z.to_ascii_lowercase().contains(&t.to_ascii_lowercase()))
}

/// Part of a host name: a label or labels (`"corp"`, `".example.com"`,
/// `"internal-"`), not a bare word of another kind of text (spaces,
/// punctuation other than dots and hyphens).
fn is_host_fragment(s: &str) -> bool {
    s.len() >= 3
        && s.bytes().any(|b| b.is_ascii_alphabetic())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// Lists at least this long are targeting whatever else is true of them.
const LONG_LIST: usize = 8;

/// A PS305 list after grading.
#[derive(Debug)]
pub(crate) struct GradedList {
    pub severity: Severity,
    /// The values that count (well-known ones left out).
    pub values: Vec<String>,
    /// Plural noun for the values: `hosts`, `time zones`, `locales`…
    pub kind: &'static str,
    /// Why this severity, for the finding's notes.
    pub reason: String,
    /// How many well-known values were left out.
    pub dropped: usize,
}

/// Grade a comparison of an environment value against a constant list by
/// what the list is (issue 11):
/// - well-known values are left out first: sentinels (`""`, `true`, `1`,
///   `none`…), the POSIX locale and charset names (`C`, `POSIX`, `UTF-8`),
///   UTC, loopback hosts. What is left must still be ≥ 2 values of the
///   kind the source can target ([`list_fits`]), else it is no targeting;
/// - a list the code hid (decoded, computed, from a string table) is high;
/// - an allow-list that refuses loudly (`if (!L.includes(v)) throw …`) is
///   low: configuration is validated, nothing varies silently;
/// - a long list (≥ [`LONG_LIST`] values) is high: someone chose whom to
///   single out;
/// - hosts that all belong to one site (one registrable domain under the
///   Public Suffix List) are low: a program recognising one party's hosts,
///   typically its own;
/// - any other short list written out in the code is medium: worth a look
///   (a provider switch, a mirror for one region), not a verdict.
pub(crate) fn grade_list(
    read: &EnvRead,
    list: &[String],
    hidden: bool,
    refuses: bool,
) -> Option<GradedList> {
    let mut values: Vec<String> = Vec::new();
    let mut dropped = 0;
    for v in list {
        if is_well_known(read.category, v) {
            dropped += 1;
        } else if !values.contains(v) {
            values.push(v.clone());
        }
    }
    if values.len() < 2 || !list_fits(read, &values) {
        return None;
    }
    let kind = list_kind(read, &values);
    let n = values.len();
    let sites = (read.category == EnvCategory::Endpoint).then(|| registrable_domains(&values));
    let (severity, reason) = if hidden {
        (
            Severity::High,
            format!("graded high: the code hides this list of {n} {kind}"),
        )
    } else if refuses {
        (
            Severity::Low,
            format!(
                "graded low: an allow-list ({n} {kind}): a value not in it stops with an error, nothing varies silently"
            ),
        )
    } else if n >= LONG_LIST {
        (
            Severity::High,
            format!("graded high: a long list ({n} {kind}; {LONG_LIST} or more are high)"),
        )
    } else if let Some(sites) = sites.as_ref().filter(|s| s.len() == 1) {
        (
            Severity::Low,
            format!(
                "graded low: every host belongs to one site ({}), as when a program recognises its own hosts",
                sites[0]
            ),
        )
    } else {
        (
            Severity::Medium,
            format!(
                "graded medium: a short list ({n} {kind}) written out in the code; hidden or long (≥ {LONG_LIST}) lists are high"
            ),
        )
    };
    Some(GradedList {
        severity,
        values,
        kind,
        reason,
        dropped,
    })
}

/// A PS305 list that only became readable once a string table was inlined
/// was hidden by the code: graded as such.
pub(crate) fn list_was_hidden(f: &mut Finding) {
    if f.rule != Rule::EnvTargeting {
        return;
    }
    if let Some(l) = f.list.as_mut().filter(|l| !l.hidden) {
        l.hidden = true;
        f.severity = f.severity.max(Severity::High);
        f.notes.push(format!(
            "graded high: the list's {} {} were hidden in a string table",
            l.count, l.kind
        ));
    }
}

/// `if (!LIST.includes(v)) throw …`: the comparison at `node` only decides
/// whether the program stops with an error. Parentheses and `!` are looked
/// through; the `if` must throw at once (alone or first in its block).
fn refuses_unlisted(ctx: &Ctx<'_>, node: oxc_semantic::NodeId) -> bool {
    let nodes = ctx.semantic.nodes();
    if node.index() >= nodes.len() {
        return false;
    }
    let mut negated = false;
    let mut child = nodes.get_node(node).kind().span();
    for n in nodes.ancestors(node).take(6) {
        match n.kind() {
            AstKind::ParenthesizedExpression(p) => child = p.span,
            AstKind::UnaryExpression(u)
                if u.operator == oxc_syntax::operator::UnaryOperator::LogicalNot =>
            {
                negated = !negated;
                child = u.span;
            }
            AstKind::IfStatement(i) => {
                let throws = |st: &oxc_ast::ast::Statement<'_>| match st {
                    oxc_ast::ast::Statement::ThrowStatement(_) => true,
                    oxc_ast::ast::Statement::BlockStatement(b) => matches!(
                        b.body.first(),
                        Some(oxc_ast::ast::Statement::ThrowStatement(_))
                    ),
                    _ => false,
                };
                return negated && i.test.span() == child && throws(&i.consequent);
            }
            _ => return false,
        }
    }
    false
}

/// Values any program compares with, which single nobody out.
fn is_well_known(category: EnvCategory, v: &str) -> bool {
    const SENTINELS: &[&str] = &[
        "",
        "true",
        "false",
        "1",
        "0",
        "-1",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "null",
        "undefined",
        "none",
        "default",
        "auto",
        "*",
        "unknown",
    ];
    let t = v.trim().to_ascii_lowercase();
    if SENTINELS.contains(&t.as_str()) {
        return true;
    }
    match category {
        EnvCategory::TimeZone => {
            // POSIX locale, charsets (the part after `.` in `C.UTF-8`), UTC.
            let charset = |c: &str| {
                matches!(
                    c.replace(['-', '_'], "").as_str(),
                    "utf8" | "utf16" | "ascii" | "usascii" | "iso88591" | "latin1" | "ansix3.41968"
                )
            };
            let (base, cs) = t.split_once('.').unwrap_or((t.as_str(), ""));
            matches!(base, "c" | "posix") && (cs.is_empty() || charset(cs))
                || charset(&t)
                || matches!(
                    t.as_str(),
                    "utc"
                        | "gmt"
                        | "z"
                        | "zulu"
                        | "universal"
                        | "etc/utc"
                        | "etc/gmt"
                        | "etc/universal"
                        | "etc/zulu"
                        | "+00:00"
                        | "-00:00"
                        | "+0000"
                        | "utc+0"
                        | "gmt+0"
                        | "gmt0"
                )
        }
        EnvCategory::Endpoint => {
            let host = t.split_once("://").map_or(t.as_str(), |(_, r)| r);
            let host = host.split('/').next().unwrap_or("");
            let host = host
                .strip_prefix('[')
                .and_then(|h| h.split_once(']'))
                .map_or_else(|| host.split(':').next().unwrap_or(""), |(h, _)| h);
            matches!(host, "localhost" | "127.0.0.1" | "::1" | "0.0.0.0" | "::")
                || host.ends_with(".localhost")
        }
        EnvCategory::Identity => matches!(t.as_str(), "root" | "localhost"),
        EnvCategory::Platform | EnvCategory::Ci | EnvCategory::Other => false,
    }
}

fn list_kind(read: &EnvRead, values: &[String]) -> &'static str {
    match read.category {
        EnvCategory::Endpoint => "hosts",
        EnvCategory::TimeZone if is_locale_source(&read.what) => "locales",
        EnvCategory::TimeZone => {
            if values.iter().all(|v| crate::hidden::is_timezone(v)) {
                "time zones"
            } else if values.iter().all(|v| !crate::hidden::is_timezone(v)) {
                "UTC offsets"
            } else {
                "time zones and offsets"
            }
        }
        EnvCategory::Identity => "host or user names",
        EnvCategory::Ci => "CI runner values",
        EnvCategory::Platform | EnvCategory::Other => "values",
    }
}

/// The distinct registrable domains of the host-like values (Public Suffix
/// List; an IP address is its own site).
fn registrable_domains(values: &[String]) -> Vec<String> {
    let mut sites: Vec<String> = Vec::new();
    for v in values {
        let t = v.trim().trim_start_matches('.').to_ascii_lowercase();
        let rest = t.split_once("://").map_or(t.as_str(), |(_, r)| r);
        let host = rest.split(['/', ':', '?', '#']).next().unwrap_or("");
        let host = host.trim_start_matches("*.").trim_end_matches('.');
        let site = psl::domain_str(host).unwrap_or(host).to_string();
        if !sites.contains(&site) {
            sites.push(site);
        }
    }
    sites
}

/// Can a reader see the list's values in the code? Each value must appear
/// in the text of the list expression (or of the declaration it names), or
/// as a quoted literal somewhere in the file. Otherwise the values were
/// computed or decoded: the code hides them.
fn list_is_written<'a>(ctx: &Ctx<'a>, expr: &Expression<'a>, values: &[String]) -> bool {
    let mut texts: Vec<&str> = vec![ctx.text(expr.span())];
    let mut e = expr.without_parentheses();
    for _ in 0..4 {
        let next = match e {
            Expression::Identifier(id) => const_init(ctx, id),
            Expression::NewExpression(n) => n.arguments.first().and_then(Argument::as_expression),
            _ => None,
        };
        let Some(next) = next else { break };
        texts.push(ctx.text(next.span()));
        e = next.without_parentheses();
    }
    values.iter().all(|v| {
        texts.iter().any(|t| t.contains(v.as_str()))
            || ['"', '\'', '`'].iter().any(|q| {
                let quoted = format!("{q}{v}{q}");
                memchr::memmem::find(ctx.source.as_bytes(), quoted.as_bytes()).is_some()
            })
    })
}

fn is_hostish(s: &str) -> bool {
    let s = s.trim_start_matches('.');
    let s = s.split_once("://").map_or(s, |(_, r)| r);
    let host = s.split(['/', ':']).next().unwrap_or("");
    crate::hidden::is_domain(host)
        || (host.contains('.')
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
}

pub(crate) fn is_locale_source(what: &str) -> bool {
    let w = what.to_ascii_lowercase();
    w.contains("locale") || w.contains("language") || w.contains(".lang") || w.contains(".lc_")
}

/// `en`, `fr-FR`, `zh-Hant-TW`, `pt_BR`.
pub(crate) fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split(['-', '_']);
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `+08:00`, `-0500`, `UTC+3`, `GMT+8`.
fn is_utc_offset(s: &str) -> bool {
    let t = s.trim_start_matches("UTC").trim_start_matches("GMT");
    t.starts_with(['+', '-'])
        && t.len() >= 2
        && t[1..].bytes().all(|b| b.is_ascii_digit() || b == b':')
}

/// The env read an expression carries, looking through method calls on it
/// (`h.toLowerCase()`, `h.split(".")`), members, awaits and simple bindings.
pub(crate) fn env_value(ctx: &Ctx<'_>, expr: &Expression<'_>, depth: u8) -> Option<EnvRead> {
    if depth > 6 {
        return None;
    }
    if let Some(r) = env_read(ctx, expr) {
        return Some(r);
    }
    match expr.without_parentheses() {
        Expression::Identifier(id) => {
            let sym = symbol_of(ctx, id)?;
            if ctx.symbol_is_mutated(sym) {
                // `var c = process.env.X; try { c = new URL(c).hostname } …`:
                // env-derived if the initializer or any assigned value is.
                let decl = declarator_of(ctx, sym)?;
                if let (BindingPattern::BindingIdentifier(_), Some(init)) = (&decl.id, &decl.init)
                    && let Some(r) = env_value(ctx, init, depth + 1)
                {
                    return Some(r);
                }
                return assigned_values(ctx, sym).find_map(|v| env_value(ctx, v, depth + 1));
            }
            let decl = declarator_of(ctx, sym)?;
            let init = decl.init.as_ref()?;
            if let BindingPattern::BindingIdentifier(_) = &decl.id {
                env_value(ctx, init, depth + 1)
            } else {
                // `const {timeZone: z} = Intl.DateTimeFormat().resolvedOptions()`
                let mut r = env_value(ctx, init, depth + 1)?;
                if let Some(k) = destructured_key(&decl.id, sym) {
                    r.what = format!("{}.{k}", r.what);
                }
                Some(r)
            }
        }
        Expression::CallExpression(c) => {
            match c.callee.without_parentheses().as_member_expression() {
                // `h.toLowerCase()`, `h.split(".")`: derived from the receiver.
                Some(m) => env_value(ctx, m.object(), depth + 1),
                // `String(h)`, `parse(h)`: derived from the first argument.
                None => env_value(ctx, c.arguments.first()?.as_expression()?, depth + 1),
            }
        }
        // `new URL(process.env.X)`
        Expression::NewExpression(n) => {
            env_value(ctx, n.arguments.first()?.as_expression()?, depth + 1)
        }
        Expression::AwaitExpression(a) => env_value(ctx, &a.argument, depth + 1),
        Expression::LogicalExpression(l) => {
            env_value(ctx, &l.left, depth + 1).or_else(|| env_value(ctx, &l.right, depth + 1))
        }
        Expression::ChainExpression(_) => None,
        e => {
            let m = e.as_member_expression()?;
            env_value(ctx, m.object(), depth + 1)
        }
    }
}

/// Right-hand sides of the plain assignments `sym = value` (at most 8).
fn assigned_values<'s, 'a>(
    ctx: &'s Ctx<'a>,
    sym: SymbolId,
) -> impl Iterator<Item = &'a Expression<'a>> + 's {
    let nodes = ctx.semantic.nodes();
    ctx.semantic
        .symbol_references(sym)
        .filter(|r| r.is_write())
        .take(8)
        .filter_map(move |r| {
            let id = r.node_id();
            if id.index() >= nodes.len() {
                return None;
            }
            nodes.ancestors(id).take(3).find_map(|n| match n.kind() {
                AstKind::AssignmentExpression(a)
                    if a.operator == oxc_syntax::operator::AssignmentOperator::Assign =>
                {
                    Some(&a.right)
                }
                _ => None,
            })
        })
}

/// A constant list: an array literal of strings, an identifier bound to one, a
/// `new Set(LIST)`, or anything the evaluator can reduce to an array of strings
/// (decoded tables). Needs ≥ 2 elements to count as a list.
pub(crate) fn constant_list<'a>(ctx: &Ctx<'a>, expr: &Expression<'a>) -> Option<Vec<String>> {
    let expr = expr.without_parentheses();
    if let Expression::NewExpression(n) = expr
        && let Expression::Identifier(id) = n.callee.without_parentheses()
        && id.name == "Set"
    {
        let inner = n.arguments.first()?.as_expression()?;
        return constant_list(ctx, inner);
    }
    // `const S = new Set([...])`: the evaluator has no Set, follow the binding.
    if let Expression::Identifier(id) = expr
        && let Some(init) = const_init(ctx, id)
        && matches!(init.without_parentheses(), Expression::NewExpression(_))
    {
        return constant_list(ctx, init);
    }
    let value = Evaluator::new(ctx).eval(expr)?;
    let Value::Array(items) = value else {
        return None;
    };
    let strs: Vec<String> = items
        .into_iter()
        .filter_map(|v| match v {
            Value::Str(s) => Some(s),
            Value::Num(n) => Some(crate::eval::num_to_string(n)),
            _ => None,
        })
        .collect();
    (strs.len() >= 2).then_some(strs)
}

/// Finds the first env-derived value inside a callback body.
struct EnvFinder<'c, 'a> {
    ctx: &'c Ctx<'a>,
    found: Option<EnvRead>,
}

impl<'a> Visit<'a> for EnvFinder<'_, 'a> {
    fn visit_expression(&mut self, e: &Expression<'a>) {
        if self.found.is_some() {
            return;
        }
        if matches!(
            e,
            Expression::Identifier(_)
                | Expression::StaticMemberExpression(_)
                | Expression::CallExpression(_)
        ) && let Some(r) = env_value(self.ctx, e, 0)
        {
            self.found = Some(r);
            return;
        }
        oxc_ast_visit::walk::walk_expression(self, e);
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
pub(crate) mod testing {
    //! Parse + semantic + `Ctx` for unit tests of the analyzers.
    use oxc_allocator::Allocator;
    use oxc_parser::Parser;
    use oxc_semantic::SemanticBuilder;
    use oxc_span::SourceType;

    use crate::ScanOptions;
    use crate::context::{Ctx, LineIndex};

    pub fn with_ctx<R>(src: &str, f: impl FnOnce(&Ctx<'_>) -> R) -> R {
        let alloc = Allocator::default();
        let ret = Parser::new(&alloc, src, SourceType::mjs()).parse();
        let program = alloc.alloc(ret.program);
        let sem = SemanticBuilder::new()
            .with_build_nodes(true)
            .build(program)
            .semantic;
        let lines = LineIndex::new(src);
        let opts = ScanOptions::default();
        let ctx = Ctx::new("t.js", &[], src, program, &sem, &lines, &opts);
        f(&ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::with_ctx;
    use super::*;

    #[test]
    fn cloud_tool_config_directories_are_a_category_by_segment() {
        for p in [
            "/.aws/config",
            ".kube",
            "gcloud",
            "/home/u/.config/gcloud/configurations/config_default",
            "C:\\Users\\u\\.azure\\azureProfile.json",
            ".docker/config.json",
        ] {
            assert_eq!(classify_path(p), Some(EnvCategory::Ci), "{p}");
        }
        // A segment that only contains the name, or an unrelated config file.
        for p in ["gcloud-notes.txt", "/srv/app/config.json", "my.aws.json"] {
            assert_eq!(classify_path(p), None, "{p}");
        }
        let r = reads(
            "const fs = require('fs'); const path = require('path'); const os = require('os');\n\
             fs.promises.readFile(path.join(process.env.CLOUDSDK_CONFIG || path.join(os.homedir(), '.config', 'gcloud'), 'configurations', 'config_default'));",
        );
        assert!(
            r.iter()
                .any(|(c, w)| *c == EnvCategory::Ci && w.contains("gcloud")),
            "{r:?}"
        );
    }

    /// Every outermost env read in `src`, as (category, what).
    fn reads(src: &str) -> Vec<(EnvCategory, String)> {
        struct All<'c, 'a> {
            ctx: &'c Ctx<'a>,
            out: Vec<(EnvCategory, String)>,
        }
        impl<'a> Visit<'a> for All<'_, 'a> {
            fn visit_expression(&mut self, e: &Expression<'a>) {
                if let Some(r) = env_read(self.ctx, e) {
                    self.out.push((r.category, r.what));
                    return;
                }
                oxc_ast_visit::walk::walk_expression(self, e);
            }
        }
        with_ctx(src, |ctx| {
            let mut v = All {
                ctx,
                out: Vec::new(),
            };
            v.visit_program(ctx.program);
            v.out
        })
    }

    fn one(src: &str) -> (EnvCategory, String) {
        let r = reads(src);
        assert_eq!(r.len(), 1, "{src}: {r:?}");
        r.into_iter().next().unwrap()
    }

    #[test]
    fn env_variables_by_kind() {
        use EnvCategory::*;
        assert_eq!(
            one("f(process.env.ANTHROPIC_BASE_URL)"),
            (Endpoint, "process.env.ANTHROPIC_BASE_URL".into())
        );
        assert_eq!(one("f(process.env['https_proxy'])").0, Endpoint);
        assert_eq!(one("f(process.env.TZ)").0, TimeZone);
        assert_eq!(one("f(process.env.LC_ALL)").0, TimeZone);
        assert_eq!(one("f(process.env.USER)").0, Identity);
        assert_eq!(one("f(process.env.NODE_ENV)").0, Other);
        assert_eq!(
            one("f(Bun.env.HOSTNAME)"),
            (Identity, "Bun.env.HOSTNAME".into())
        );
        assert_eq!(one("f(import.meta.env.API_ENDPOINT)").0, Endpoint);
        assert_eq!(
            one("f(Deno.env.get('LANG'))"),
            (TimeZone, "Deno.env.get(\"LANG\")".into())
        );
        assert_eq!(one("f(globalThis.process.env.OPENAI_API_BASE)").0, Endpoint);
        assert_eq!(one("f(process.env?.TZ)").0, TimeZone);
        assert_eq!(
            one("const k = 'COMPUTERNAME'; f(process.env[k])").0,
            Identity
        );
        assert_eq!(one("f(process.env)"), (Other, "process.env".into()));
    }

    #[test]
    fn destructuring_and_aliases() {
        use EnvCategory::*;
        let r = reads("const { ANTHROPIC_BASE_URL: u, TZ } = process.env; f(u, TZ);");
        assert!(
            r.contains(&(Endpoint, "process.env.ANTHROPIC_BASE_URL".into())),
            "{r:?}"
        );
        assert!(r.contains(&(TimeZone, "process.env.TZ".into())), "{r:?}");
        let r = reads("const e = process.env; f(e.HTTPS_PROXY);");
        assert!(
            r.contains(&(Endpoint, "process.env.HTTPS_PROXY".into())),
            "{r:?}"
        );
        // A shadowed `process` is not the global.
        assert!(reads("function g(process) { return process.env.TZ }").is_empty());
    }

    #[test]
    fn os_module_however_bound() {
        use EnvCategory::*;
        for src in [
            "const os = require('os'); f(os.hostname());",
            "const q = require('node:os'); f(q.hostname());",
            "var a = r('os'); f(a.hostname());",
            "var a = __toESM(require('os'), 1); f(a.default.hostname());",
            "import os from 'os'; f(os.hostname());",
            "import * as z from 'node:os'; f(z.hostname());",
            "import { hostname as h } from 'node:os'; f(h());",
            "const { hostname } = require('os'); f(hostname());",
            "f(require('os').hostname());",
        ] {
            assert_eq!(one(src), (Identity, "os.hostname()".into()), "{src}");
        }
        assert_eq!(
            one("const o = require('os'); f(o.networkInterfaces())").0,
            Identity
        );
        assert_eq!(
            one("const o = require('os'); f(o.userInfo().username)").0,
            Identity
        );
        assert_eq!(one("const o = require('os'); f(o.platform())").0, Platform);
        // A local object that merely has a `hostname` method is not the os module.
        assert!(reads("const os = { hostname() { return 'x' } }; f(os.hostname());").is_empty());
    }

    #[test]
    fn ambient_time_zone_and_platform() {
        use EnvCategory::*;
        assert_eq!(
            one("f(Intl.DateTimeFormat().resolvedOptions().timeZone)").0,
            TimeZone
        );
        assert_eq!(
            one("f(new Intl.DateTimeFormat().resolvedOptions().locale)").0,
            TimeZone
        );
        assert_eq!(one("f(new Date().getTimezoneOffset())").0, TimeZone);
        assert_eq!(
            one("const d = new Date(); f(d.getTimezoneOffset())").0,
            TimeZone
        );
        assert_eq!(one("f(navigator.language)").0, TimeZone);
        assert_eq!(
            one("f(process.platform)"),
            (Platform, "process.platform".into())
        );
        assert_eq!(one("f(process.getuid())").0, Identity);
    }

    #[test]
    fn files_and_commands() {
        use EnvCategory::*;
        assert_eq!(
            one("const fs = require('fs'); f(fs.readFileSync('/etc/timezone', 'utf8'))").0,
            TimeZone
        );
        assert_eq!(
            one("f(require('fs').readlinkSync('/etc/localtime'))").0,
            TimeZone
        );
        // esbuild's and tsc's call of an imported binding: `(0, m.f)(…)`.
        assert_eq!(
            one("var m = require('node:fs'); f((0, m.readlinkSync)('/etc/localtime'))").0,
            TimeZone
        );
        assert_eq!(
            one("const os_1 = require('os'); f((0, os_1.hostname)())").0,
            Identity
        );
        assert!(reads("var m = require('fs'); f((0, m.readFileSync)('config.json'))").is_empty());
        assert_eq!(
            one("const cp = require('child_process'); f(cp.execSync('whoami'))").0,
            Identity
        );
        assert_eq!(one("const { execSync: x } = require('child_process'); f(x('scutil --get ComputerName'))").0, Identity);
        assert!(reads("const fs = require('fs'); f(fs.readFileSync('config.json'))").is_empty());
        assert!(
            reads("const cp = require('child_process'); f(cp.execSync('git status'))").is_empty()
        );
    }

    #[test]
    fn source_table_by_kind() {
        use EnvCategory::*;
        for (var, cat) in [
            ("OPENAI_BASE_URL", Endpoint),
            ("MY_LLM_BASEURL", Endpoint),
            ("GEMINI_API_BASE", Endpoint),
            ("LLM_GATEWAY", Endpoint),
            ("no_proxy", Endpoint),
            ("npm_config_https_proxy", Endpoint),
            ("CUSTOM_ENDPOINT_OVERRIDE", Endpoint),
            ("CI", Ci),
            ("GITHUB_ACTIONS", Ci),
            ("GITHUB_REPOSITORY_OWNER", Ci),
            ("GITLAB_CI", Ci),
            ("CI_PROJECT_NAMESPACE", Ci),
            ("BUILDKITE", Ci),
            ("TF_BUILD", Ci),
            ("AWS_REGION", Ci),
            ("GOOGLE_CLOUD_PROJECT", Ci),
            ("K_SERVICE", Ci),
            ("CLOUDSDK_CORE_PROJECT", Ci),
            ("AWS_ACCESS_KEY_ID", Other),
            ("GIT_AUTHOR_EMAIL", Identity),
            ("SUDO_USER", Identity),
            ("LC_TIME", TimeZone),
            ("NODE_ENV", Other),
        ] {
            assert_eq!(classify_env_var(var), cat, "{var}");
        }
        assert!(Ci.is_targetable());
    }

    #[test]
    fn process_module_however_reached() {
        use EnvCategory::*;
        for src in [
            "import p from 'node:process'; f(p.env.ANTHROPIC_BASE_URL);",
            "import * as p from 'process'; f(p.env.ANTHROPIC_BASE_URL);",
            "import { env } from 'node:process'; f(env.ANTHROPIC_BASE_URL);",
            "const { env } = require('process'); f(env.ANTHROPIC_BASE_URL);",
            "const p = require('node:process'); f(p.env.ANTHROPIC_BASE_URL);",
            "const { env } = process; f(env.ANTHROPIC_BASE_URL);",
            "f(globalThis.process.env.ANTHROPIC_BASE_URL);",
            "f(process['env'].ANTHROPIC_BASE_URL);",
            "const p = await import('node:process'); f(p.env.ANTHROPIC_BASE_URL);",
        ] {
            assert_eq!(
                one(src),
                (Endpoint, "process.env.ANTHROPIC_BASE_URL".into()),
                "{src}"
            );
        }
        assert_eq!(
            one("import { platform } from 'node:process'; f(platform);"),
            (Platform, "process.platform".into())
        );
        assert_eq!(one("import p from 'process'; f(p.getuid());").0, Identity);
    }

    #[test]
    fn dynamic_imports_of_builtins() {
        use EnvCategory::*;
        for src in [
            "const os = await import('node:os'); f(os.hostname());",
            "const { hostname } = await import('os'); f(hostname());",
            "import('os').then((m) => f(m.hostname()));",
            "import('node:os').then(({ hostname: h }) => f(h()));",
        ] {
            assert_eq!(one(src), (Identity, "os.hostname()".into()), "{src}");
        }
    }

    #[test]
    fn identity_and_locale_files_by_kind() {
        use EnvCategory::*;
        for (src, cat) in [
            (
                "const fs = require('fs'); f(fs.readFileSync('/etc/machine-id', 'utf8'))",
                Identity,
            ),
            (
                "const fs = require('fs'); f(fs.readFileSync('/etc/resolv.conf', 'utf8'))",
                Endpoint,
            ),
            (
                "const fs = require('fs'); const os = require('os'); const path = require('path'); f(fs.readFileSync(path.join(os.homedir(), '.gitconfig'), 'utf8'))",
                Identity,
            ),
            (
                "import { readFile } from 'node:fs/promises'; f(await readFile(`${process.env.HOME}/.npmrc`, 'utf8'))",
                Endpoint,
            ),
            (
                "const fs = require('fs'); f(fs.readFileSync('/sys/class/net/eth0/address', 'utf8'))",
                Identity,
            ),
            ("f(Bun.file('/etc/hostname'))", Identity),
            (
                "const cp = require('child_process'); f(cp.execSync('git config user.email'))",
                Identity,
            ),
            (
                "const cp = require('child_process'); f(cp.execSync('cat /etc/timezone'))",
                TimeZone,
            ),
            (
                "const cp = require('child_process'); f(cp.execSync('date +%Z'))",
                TimeZone,
            ),
            ("f(new Date().toString())", TimeZone),
        ] {
            let r = reads(src);
            assert!(r.iter().any(|(c, _)| *c == cat), "{src}: {r:?}");
        }
        assert!(reads("f(x.toString())").is_empty());
        assert!(
            reads("const fs = require('fs'); f(fs.readFileSync(path.join(dir, 'package.json')))")
                .is_empty()
        );
    }

    fn analyzed(src: &str) -> Vec<Finding> {
        with_ctx(src, |ctx| {
            let mut out = Vec::new();
            analyze(ctx, &mut out);
            out
        })
    }

    fn targeting(src: &str) -> Vec<Finding> {
        analyzed(src)
            .into_iter()
            .filter(|f| f.rule == Rule::EnvTargeting)
            .collect()
    }

    #[test]
    fn reads_are_aggregated_per_source() {
        let src = "for (;;) { f(process.env.HTTPS_PROXY); g(process.env.HTTPS_PROXY); }\n\
                   h(process.env.TZ, require('os').hostname(), process.platform, process.env.NODE_ENV)";
        let f = analyzed(src);
        let rules: Vec<Rule> = f.iter().map(|f| f.rule).collect();
        assert_eq!(
            rules,
            [
                Rule::EnvEndpoint,
                Rule::EnvTimeZone,
                Rule::EnvIdentity,
                Rule::EnvPlatform
            ],
            "{f:#?}"
        );
        assert!(
            f[0].notes[0].starts_with("2 read site(s)"),
            "{:?}",
            f[0].notes
        );
        assert_eq!(f[0].location.start.line, 1);
    }

    #[test]
    fn list_comparisons_are_targeting() {
        use Severity::{High, Low, Medium};
        let cases = [
            (
                "const h = new URL(process.env.ANTHROPIC_BASE_URL).hostname; if (['a.acme.com', 'b.other.net'].includes(h)) x();",
                Medium,
            ),
            (
                "const L = ['a.acme.com', 'b.other.net']; if (L.some(d => process.env.ANTHROPIC_BASE_URL.endsWith(d))) x();",
                Medium,
            ),
            (
                "const tz = Intl.DateTimeFormat().resolvedOptions().timeZone; if (tz === 'Asia/Shanghai' || tz === 'Asia/Urumqi') x();",
                Medium,
            ),
            (
                "const os = require('os'); const n = os.hostname().toLowerCase(); if (n.endsWith('.corp-a.com') || n.endsWith('.corp-b.com')) x();",
                Medium,
            ),
            (
                "switch (process.env.TZ) { case 'Europe/Moscow': case 'Europe/Minsk': x(); }",
                Medium,
            ),
            (
                "const Z = new Set(['Asia/Tehran', 'Asia/Kabul']); if (Z.has(process.env.TZ)) x();",
                Medium,
            ),
            (
                "const Z = ['Asia/Tehran', 'Asia/Kabul']; if (Z.indexOf(process.env.TZ) >= 0) x();",
                Medium,
            ),
            (
                "const Z = atob('QXNpYS9UZWhyYW4sQXNpYS9LYWJ1bA==').split(','); if (Z.includes(process.env.TZ)) x();",
                High,
            ),
            (
                "const o = new Date().getTimezoneOffset(); if (o === -480 || o === -210) x();",
                Medium,
            ),
            (
                "const u = require('os').userInfo().username; if (['alice', 'bob'].includes(u)) x();",
                Medium,
            ),
            (
                "function t() { const h = process.env.ANTHROPIC_BASE_URL; for (const d of ['a.example.cn', 'b.other.cn']) { if (h.endsWith(d)) return true; } return false; }",
                Medium,
            ),
            // One site, the way a program recognises its own hosts.
            (
                "const h = new URL(process.env.ANTHROPIC_BASE_URL).hostname; if (['api.acme.co.uk', 'staging.acme.co.uk'].includes(h)) x();",
                Low,
            ),
            // Two sites under one public suffix are two parties.
            (
                "const h = new URL(process.env.ANTHROPIC_BASE_URL).hostname; if (['acme.co.uk', 'other.co.uk'].includes(h)) x();",
                Medium,
            ),
            // Long lists are high even when written out.
            (
                "const Z = ['Asia/Tehran', 'Asia/Kabul', 'Asia/Baku', 'Asia/Dubai', 'Asia/Karachi', 'Asia/Dhaka', 'Asia/Omsk', 'Asia/Hovd']; if (Z.includes(process.env.TZ)) x();",
                High,
            ),
            // An allow-list that refuses loudly validates configuration.
            (
                "const u = process.env.CUSTOM_OAUTH_URL; if (u) { if (!['https://a.acme.com', 'https://b.other.net', 'https://c.third.org'].includes(u)) throw Error('not an approved endpoint'); }",
                Low,
            ),
            (
                "const u = process.env.CUSTOM_OAUTH_URL; if (!(['https://a.acme.com', 'https://b.other.net'].includes(u))) { throw new Error('no'); }",
                Low,
            ),
            // Not negated: taking the listed branch is not refusing.
            (
                "const u = process.env.CUSTOM_OAUTH_URL; if (['https://a.acme.com', 'https://b.other.net'].includes(u)) { throw new Error('no'); }",
                Medium,
            ),
            // Computed (not visible in the code): hidden, high, even for one site.
            (
                "const L = ['moc.emca.a', 'moc.emca.b'].map(s => s.split('').reverse().join('')); if (L.includes(new URL(process.env.ANTHROPIC_BASE_URL).host)) x();",
                High,
            ),
        ];
        for (src, severity) in cases {
            let t = targeting(src);
            assert_eq!(t.len(), 1, "{src}: {t:#?}");
            assert_eq!(t[0].severity, severity, "{src}: {:?}", t[0].notes);
            assert!(t[0].decoded.as_deref().unwrap().contains(','), "{src}");
            let list = t[0].list.as_ref().expect("list");
            assert_eq!(
                list.hidden,
                severity == High && list.count < LONG_LIST,
                "{src}"
            );
            assert!(
                t[0].notes
                    .iter()
                    .any(|n| n.starts_with(&format!("graded {severity}"))),
                "{src}: {:?}",
                t[0].notes
            );
        }
        let t = targeting(cases[10].0);
        let snip = t[0].snippet.as_deref().unwrap();
        assert!(
            snip.contains("endsWith") && snip.contains('\n'),
            "pretty-printed function: {snip}"
        );
        let t = targeting(cases[7].0);
        assert!(t[0].message.contains("process.env.TZ"), "{}", t[0].message);
        assert!(
            t[0].message.contains("a hidden list of 2 time zones"),
            "{}",
            t[0].message
        );
        assert_eq!(t[0].decoded.as_deref(), Some("Asia/Tehran, Asia/Kabul"));
        assert_eq!(t[0].subject.as_deref(), Some("process.env.TZ"));
    }

    #[test]
    fn well_known_values_are_not_targeting() {
        for src in [
            // POSIX locale names and charsets: ordinary locale handling.
            "const l = process.env.LC_ALL; if (l === 'C' || l === 'POSIX') x();",
            "if (['', 'C.UTF-8', 'POSIX'].includes(process.env.LANG)) x();",
            "switch (process.env.LC_CTYPE) { case 'UTF-8': case 'utf8': case 'C': x(); }",
            // UTC in its spellings.
            "if (['UTC', 'Etc/UTC', 'GMT'].includes(process.env.TZ)) x();",
            // Loopback and sentinels left one real value: no list.
            "const h = new URL(process.env.ANTHROPIC_BASE_URL).hostname; if (['localhost', '127.0.0.1', '::1'].includes(h)) x();",
            "const h = new URL(process.env.ANTHROPIC_BASE_URL).hostname; if (['localhost', 'api.acme.com'].includes(h)) x();",
            "if (process.env.HTTPS_PROXY === 'true' || process.env.HTTPS_PROXY === '1') x();",
            "const u = require('os').userInfo().username; if (u === 'root' || u === '') x();",
        ] {
            let t = targeting(src);
            assert!(t.is_empty(), "{src}: {t:#?}");
        }
        // A well-known value inside a real list is left out and said so.
        let t =
            targeting("if (['UTC', 'Asia/Tehran', 'Asia/Kabul'].includes(process.env.TZ)) x();");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].decoded.as_deref(), Some("Asia/Tehran, Asia/Kabul"));
        assert!(
            t[0].notes
                .iter()
                .any(|n| n.starts_with("1 well-known value")),
            "{:?}",
            t[0].notes
        );
    }

    #[test]
    fn lists_seen_after_inlining_a_string_table_are_hidden() {
        let mut t = targeting(
            "switch (process.env.TZ) { case 'Europe/Moscow': case 'Europe/Minsk': x(); }",
        );
        assert_eq!(t[0].severity, Severity::Medium);
        list_was_hidden(&mut t[0]);
        assert_eq!(t[0].severity, Severity::High);
        assert!(t[0].list.as_ref().unwrap().hidden);
    }

    #[test]
    fn ordinary_environment_use_is_not_targeting() {
        for src in [
            "if (process.env.NODE_ENV === 'production' || process.env.NODE_ENV === 'test') x();",
            "switch (process.platform) { case 'win32': sep = '\\\\'; break; case 'darwin': case 'linux': sep = '/'; }",
            "const p = process.env.HTTPS_PROXY || process.env.HTTP_PROXY; if (p) agent(p);",
            "if (process.env.TZ === 'UTC') x();",
            "const l = navigator.language; const msg = l.startsWith('fr') ? 'Bonjour' : 'Hello';",
            "if (['a', 'b'].includes(userInput)) x();",
            "const u = new URL(process.env.API_BASE_URL); if (['http:', 'https:'].includes(u.protocol)) x();",
            "const l = Intl.DateTimeFormat().resolvedOptions().locale; if (['en-US', 'en-GB', 'fr'].includes(l)) x();",
            "if (['de', 'fr'].includes(process.env.LANG)) x();",
        ] {
            let t = targeting(src);
            assert!(t.is_empty(), "{src}: {t:#?}");
        }
    }
}
