//! The sandbox, as a visible sequence of steps (bubblewrap and nsjail do the
//! same): each step has a name, and a failure says which step failed and
//! why, with `refused` set when the kernel or the machine said no.
//!
//! Two processes, both re-executions of the plainsight binary, started
//! before any thread exists (user namespaces need a single-threaded
//! caller):
//!
//! 1. **helper** (`__probe-sandbox SPEC RESULT`): `unshare` user, mount,
//!    network, UTS, PID and IPC namespaces; map the caller's uid/gid to 0;
//!    start **init** (it becomes PID 1 of the new PID namespace, waiting on
//!    its stdin); make every mount private; loopback up, a local route for
//!    every IPv4/IPv6 destination onto `lo` (so any address reaches our
//!    listeners), a veth interface carrying the cell's MAC address; host
//!    name; a fresh `/etc` (tmpfs, every host entry bind-mounted back except
//!    the ones the cell owns: `hosts`, `resolv.conf`, `passwd`, `group`,
//!    `hostname`, `localtime`, `timezone`, the CA bundles…); fresh `/home`
//!    and `/tmp` (tmpfs; host paths the agent needs bound back in); sysfs of
//!    the new network namespace; then the DNS responder and the capture
//!    server on a tokio runtime, and the go signal to init.
//! 2. **init** (`__probe-init`): mounts `/proc` of the new PID namespace,
//!    enters a second user namespace that maps uid/gid 1000 onto the
//!    first's 0 (the agent is an ordinary user with no capabilities: it
//!    cannot undo any mount or route), starts the agent with exactly the
//!    cell's environment, reaps orphans, and exits with the agent's status.
//!    When it exits (or the helper kills it at the time limit), the kernel
//!    kills every process left in the PID namespace: a hung agent goes with
//!    its whole tree.
//!
//! Network setup uses iproute2's `ip` (present on every mainstream
//! distribution; a missing `ip` is named as such).

use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use nix::mount::{MsFlags, mount};
use nix::sched::{CloneFlags, unshare};

use crate::capture::{self, Shared, lock};
use crate::spec::{CellSpec, Ended, FileContent, RunResult, SandboxFailure};
use crate::tls::{Minter, RunCa};

/// First argument of the helper process.
pub const HELPER_ARG: &str = "__probe-sandbox";
/// First argument of the init process.
pub const INIT_ARG: &str = "__probe-init";
/// uid and gid of the agent inside the sandbox.
pub const AGENT_UID: u32 = 1000;
/// Where the capture server's DNS responder listens inside the sandbox.
pub const DNS_ADDR: &str = "127.0.0.53";
/// Address of the sandbox's one network interface.
const IFACE_ADDR: &str = "192.0.2.10/24";

/// Runs the helper or init entry point if `args` (the process's arguments)
/// name one; the binary's `main` calls this before anything else.
pub fn dispatch(args: &[OsString]) -> Option<i32> {
    match args.get(1).and_then(|a| a.to_str()) {
        Some(HELPER_ARG) => Some(helper_main(&args[2..])),
        Some(INIT_ARG) => Some(init_main()),
        _ => None,
    }
}

fn fail(step: &str, message: impl std::fmt::Display, refused: bool) -> SandboxFailure {
    SandboxFailure {
        step: step.to_owned(),
        message: message.to_string(),
        refused,
    }
}

fn helper_main(args: &[OsString]) -> i32 {
    let (Some(spec_path), Some(result_path)) = (args.first(), args.get(1)) else {
        return 2;
    };
    let Ok(mut out) = File::create(result_path) else {
        return 2;
    };
    let result = match std::fs::read(spec_path)
        .map_err(|e| fail("read cell spec", e, false))
        .and_then(|b| {
            serde_json::from_slice::<CellSpec>(&b).map_err(|e| fail("read cell spec", e, false))
        }) {
        Ok(spec) => run_helper(&spec),
        Err(e) => RunResult {
            error: Some(e),
            ..RunResult::default()
        },
    };
    let json = serde_json::to_vec(&result).unwrap_or_default();
    if out.write_all(&json).is_err() {
        return 2;
    }
    0
}

fn run_helper(spec: &CellSpec) -> RunResult {
    let mut notes = Vec::new();
    match build_and_run(spec, &mut notes) {
        Ok(mut r) => {
            r.notes.extend(notes);
            r
        }
        Err(e) => RunResult {
            error: Some(e),
            notes,
            ..RunResult::default()
        },
    }
}

fn build_and_run(spec: &CellSpec, notes: &mut Vec<String>) -> Result<RunResult, SandboxFailure> {
    let exe = std::env::current_exe().map_err(|e| fail("locate own executable", e, false))?;
    let uid = nix::unistd::getuid().as_raw();
    let gid = nix::unistd::getgid().as_raw();

    step_unshare()?;
    write_maps(uid, gid, 0)?;
    // Host directories the agent needs, opened before /tmp, /home and /etc are
    // replaced (after the unshare: a bind source must be in our mount namespace).
    let kept: Vec<(String, File)> = spec
        .keep_paths
        .iter()
        .filter(|p| under(p, "/tmp") || under(p, "/home"))
        .filter_map(|p| File::open(p).ok().map(|f| (p.clone(), f)))
        .collect();
    let host_etc = File::open("/etc").map_err(|e| fail("open host /etc", e, false))?;

    // init first: the first child of the new PID namespace is its PID 1.
    let mut init = Command::new(&exe)
        .arg(INIT_ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail("start init", e, false))?;

    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| fail("make mounts private", e, true))?;
    step_network(spec, notes)?;
    nix::unistd::sethostname(&spec.hostname).map_err(|e| fail("set host name", e, false))?;
    step_etc(spec, &host_etc)?;
    step_home_tmp(spec, &kept)?;
    if let Err(e) = mount(
        Some("sysfs"),
        "/sys",
        Some("sysfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None::<&str>,
    ) {
        notes.push(format!("sysfs of the sandbox's network namespace not mounted ({e}): /sys/class/net shows the host's interfaces"));
    }

    // One thread only: a process that unshared its PID namespace cannot
    // start threads (clone(CLONE_THREAD) fails with EINVAL).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail("start capture runtime", e, false))?;
    let ca = RunCa {
        cert_pem: spec.ca_cert_pem.clone(),
        key_pem: spec.ca_key_pem.clone(),
    };
    let minter = Minter::new(&ca).map_err(|e| fail("load run CA", e, false))?;
    let shared = Arc::new(Shared::new(
        minter,
        spec.reply_text.clone(),
        spec.max_body,
        spec.max_exchanges,
    ));
    rt.block_on(start_servers(&shared, spec))?;

    // Go: init reads the spec, mounts /proc, drops to uid 1000, starts the agent.
    let started = Instant::now();
    let json = serde_json::to_vec(spec).map_err(|e| fail("signal init", e, false))?;
    let stdin = init
        .stdin
        .take()
        .ok_or_else(|| fail("signal init", "no pipe", false))?;
    let stdout = init
        .stdout
        .take()
        .ok_or_else(|| fail("signal init", "no pipe", false))?;
    let stderr = init
        .stderr
        .take()
        .ok_or_else(|| fail("signal init", "no pipe", false))?;
    let max = spec.max_output;
    let deadline = started + Duration::from_millis(spec.timeout_ms);
    let (ended, stdout, stderr) = rt.block_on(async {
        use tokio::io::AsyncWriteExt as _;
        let mut stdin = tokio::process::ChildStdin::from_std(stdin)
            .map_err(|e| fail("signal init", e, false))?;
        stdin
            .write_all(&json)
            .await
            .map_err(|e| fail("signal init", e, false))?;
        drop(stdin);
        let out = tokio::process::ChildStdout::from_std(stdout)
            .map_err(|e| fail("read agent output", e, false))?;
        let err = tokio::process::ChildStderr::from_std(stderr)
            .map_err(|e| fail("read agent output", e, false))?;
        let out_t = tokio::spawn(read_bounded(out, max));
        let err_t = tokio::spawn(read_bounded(err, max));
        let ended = loop {
            match init.try_wait() {
                Ok(Some(status)) => {
                    use std::os::unix::process::ExitStatusExt as _;
                    break Ended::Exited(
                        status
                            .code()
                            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
                    );
                }
                Ok(None) if Instant::now() >= deadline => {
                    let _ = init.kill();
                    let _ = init.wait();
                    break Ended::TimedOut;
                }
                Ok(None) => tokio::time::sleep(Duration::from_millis(10)).await,
                Err(e) => return Err(fail("wait for the agent", e, false)),
            }
        };
        // Requests still being answered get a moment to land in the record.
        let grace = Instant::now() + Duration::from_millis(300);
        while shared.in_flight.load(Ordering::SeqCst) > 0 && Instant::now() < grace {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let stdout = tokio::time::timeout(Duration::from_secs(1), out_t)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let stderr = tokio::time::timeout(Duration::from_secs(1), err_t)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        Ok((ended, stdout, stderr))
    })?;
    let wall_ms = started.elapsed().as_millis() as u64;
    // Requests still being answered get a moment to land in the record.
    let grace = Instant::now() + Duration::from_millis(300);
    while shared.in_flight.load(Ordering::SeqCst) > 0 && Instant::now() < grace {
        std::thread::sleep(Duration::from_millis(5));
    }
    let (stderr, init_error) = split_init_error(&stderr);
    if let Some(e) = init_error {
        return Err(e);
    }
    let mut exchanges = std::mem::take(&mut *lock(&shared.exchanges));
    exchanges.sort_by_key(|e| e.seq);
    let result = RunResult {
        ended: Some(ended),
        error: None,
        exchanges,
        dns: std::mem::take(&mut *lock(&shared.dns)),
        raw: std::mem::take(&mut *lock(&shared.raw)),
        stdout,
        stderr,
        notes: Vec::new(),
        wall_ms,
        dropped_exchanges: shared.dropped.load(Ordering::Relaxed),
    };
    rt.shutdown_background();
    Ok(result)
}

/// init reports its own step failures on stderr behind this marker.
const INIT_FAILURE: &str = "\u{1}plainsight-init-failure ";

fn split_init_error(stderr: &str) -> (String, Option<SandboxFailure>) {
    if let Some(i) = stderr.find(INIT_FAILURE) {
        let rest = &stderr[i + INIT_FAILURE.len()..];
        let line = rest.lines().next().unwrap_or("");
        let f = serde_json::from_str::<SandboxFailure>(line).ok();
        return (stderr[..i].to_owned(), f);
    }
    (stderr.to_owned(), None)
}

async fn read_bounded(mut r: impl tokio::io::AsyncRead + Unpin, max: usize) -> String {
    use tokio::io::AsyncReadExt as _;
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    let mut total = 0usize;
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                total += n;
                let room = max.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    let mut s = String::from_utf8_lossy(&kept).into_owned();
    if total > kept.len() {
        s = format!("{s}\n[… {} more bytes not kept]", total - kept.len());
    }
    s
}

fn under(p: &str, root: &str) -> bool {
    Path::new(p).starts_with(root)
}

fn step_unshare() -> Result<(), SandboxFailure> {
    let flags = CloneFlags::CLONE_NEWUSER
        | CloneFlags::CLONE_NEWNS
        | CloneFlags::CLONE_NEWNET
        | CloneFlags::CLONE_NEWUTS
        | CloneFlags::CLONE_NEWPID
        | CloneFlags::CLONE_NEWIPC;
    unshare(flags).map_err(|e| {
        fail(
            "unshare user, mount, network, UTS, PID and IPC namespaces",
            format!(
                "{e}: the kernel refused unprivileged user namespaces \
                 (see user.max_user_namespaces, kernel.unprivileged_userns_clone, \
                 AppArmor's restrict_unprivileged_userns, or a seccomp filter of the container)"
            ),
            true,
        )
    })
}

/// Maps `inside` onto the caller's uid/gid in the parent namespace.
fn write_maps(uid: u32, gid: u32, inside: u32) -> Result<(), SandboxFailure> {
    let step = "map user and group ids";
    std::fs::write("/proc/self/setgroups", "deny")
        .map_err(|e| fail(step, format!("setgroups: {e}"), true))?;
    std::fs::write("/proc/self/uid_map", format!("{inside} {uid} 1\n"))
        .map_err(|e| fail(step, format!("uid_map: {e}"), true))?;
    std::fs::write("/proc/self/gid_map", format!("{inside} {gid} 1\n"))
        .map_err(|e| fail(step, format!("gid_map: {e}"), true))?;
    Ok(())
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                "iproute2's `ip` command is not installed (Debian: apt-get install iproute2)"
                    .to_owned()
            } else {
                e.to_string()
            }
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn step_network(spec: &CellSpec, notes: &mut Vec<String>) -> Result<(), SandboxFailure> {
    ip(&["link", "set", "lo", "up"]).map_err(|e| fail("bring loopback up", e, false))?;
    ip(&["route", "add", "local", "0.0.0.0/0", "dev", "lo"])
        .map_err(|e| fail("route every IPv4 destination to loopback", e, false))?;
    if let Err(e) = ip(&["-6", "route", "add", "local", "::/0", "dev", "lo"]) {
        notes.push(format!("IPv6 destinations not routed to loopback ({e})"));
    }
    if let Some(mac) = &spec.mac {
        let peer = format!("{}p", spec.iface);
        let r = ip(&[
            "link",
            "add",
            &spec.iface,
            "type",
            "veth",
            "peer",
            "name",
            &peer,
        ])
        .and_then(|()| {
            // The peer only carries the link: no address, so no program lists it.
            let _ = std::fs::write(format!("/proc/sys/net/ipv6/conf/{peer}/disable_ipv6"), "1");
            ip(&["link", "set", &spec.iface, "address", mac])
        })
        .and_then(|()| ip(&["addr", "add", IFACE_ADDR, "dev", &spec.iface]))
        .and_then(|()| ip(&["link", "set", &peer, "up"]))
        .and_then(|()| ip(&["link", "set", &spec.iface, "up"]));
        if let Err(e) = r {
            notes.push(format!(
                "no network interface with MAC {mac} ({e}): the MAC dimension is not exercised"
            ));
        }
    }
    Ok(())
}

/// Fresh /etc: a tmpfs holding the cell's files, every other host entry bind-mounted back.
fn step_etc(spec: &CellSpec, host_etc: &File) -> Result<(), SandboxFailure> {
    use std::os::fd::AsRawFd as _;
    let step = "replace /etc";
    let host = PathBuf::from(format!("/proc/self/fd/{}", host_etc.as_raw_fd()));
    let entries: Vec<_> = std::fs::read_dir(&host)
        .map_err(|e| fail(step, format!("read host /etc: {e}"), false))?
        .filter_map(Result::ok)
        .collect();
    mount(
        Some("tmpfs"),
        "/etc",
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=755"),
    )
    .map_err(|e| fail(step, format!("mount tmpfs on /etc: {e}"), true))?;
    let owned_top: Vec<&str> = spec
        .etc
        .iter()
        .map(|(p, _)| p.split('/').next().unwrap_or(p))
        .collect();
    for entry in entries {
        let name = entry.file_name();
        let Some(name_s) = name.to_str() else {
            continue;
        };
        let dst = Path::new("/etc").join(name_s);
        let src = host.join(name_s);
        // Entries the cell replaces outright (top-level files) are written below.
        if spec.etc.iter().any(|(p, _)| p == name_s) {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&src) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            if let Ok(t) = std::fs::read_link(&src) {
                let _ = symlink(t, &dst);
            }
            continue;
        }
        let made = if meta.is_dir() {
            std::fs::create_dir(&dst).is_ok()
        } else {
            File::create(&dst).is_ok()
        };
        if made {
            // Directories whose contents the cell changes are bound too; their
            // files are then covered one by one below.
            let _ = owned_top;
            mount(
                Some(&src),
                &dst,
                None::<&str>,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None::<&str>,
            )
            .map_err(|e| fail(step, format!("bind /etc/{name_s}: {e}"), false))?;
        }
    }
    for (rel, content) in &spec.etc {
        let dst = Path::new("/etc").join(rel);
        if rel.contains('/') {
            // A file inside a bound host directory: cover it with a bind mount.
            let staged = Path::new("/etc/.plainsight-staged");
            let _ = std::fs::create_dir_all(staged);
            let tmp = staged.join(rel.replace('/', "_"));
            if let FileContent::Text(t) = content {
                std::fs::write(&tmp, t)
                    .map_err(|e| fail(step, format!("write /etc/{rel}: {e}"), false))?;
                if dst.exists() {
                    mount(
                        Some(&tmp),
                        &dst,
                        None::<&str>,
                        MsFlags::MS_BIND,
                        None::<&str>,
                    )
                    .map_err(|e| fail(step, format!("cover /etc/{rel}: {e}"), false))?;
                }
            }
            continue;
        }
        write_file(&dst, content)
            .map_err(|e| fail(step, format!("write /etc/{rel}: {e}"), false))?;
    }
    let _ = std::fs::remove_dir_all("/etc/.plainsight-staged").ok();
    Ok(())
}

fn write_file(dst: &Path, content: &FileContent) -> std::io::Result<()> {
    if let Some(parent) = dst.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let _ = std::fs::remove_file(dst);
    match content {
        FileContent::Text(t) => std::fs::write(dst, t),
        FileContent::Symlink(t) => symlink(t, dst),
    }
}

fn step_home_tmp(spec: &CellSpec, kept: &[(String, File)]) -> Result<(), SandboxFailure> {
    use std::os::fd::AsRawFd as _;
    for dir in ["/home", "/tmp"] {
        let mode = if dir == "/tmp" {
            "mode=1777"
        } else {
            "mode=755"
        };
        mount(
            Some("tmpfs"),
            dir,
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some(mode),
        )
        .map_err(|e| fail(&format!("mount tmpfs on {dir}"), e, true))?;
    }
    for (path, f) in kept {
        let src = format!("/proc/self/fd/{}", f.as_raw_fd());
        let is_dir = f.metadata().is_ok_and(|m| m.is_dir());
        let dst = Path::new(path);
        let made = if is_dir {
            std::fs::create_dir_all(dst)
        } else {
            dst.parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| File::create(dst).map(drop))
        };
        made.map_err(|e| {
            fail(
                "bind host paths back into /tmp and /home",
                format!("{path}: {e}"),
                false,
            )
        })?;
        mount(
            Some(src.as_str()),
            dst,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(|e| {
            fail(
                "bind host paths back into /tmp and /home",
                format!("{path}: {e}"),
                false,
            )
        })?;
    }
    let home = Path::new("/home").join(&spec.user);
    std::fs::create_dir_all(&home).map_err(|e| fail("create the home directory", e, false))?;
    for (rel, content) in &spec.home {
        write_file(&home.join(rel), content)
            .map_err(|e| fail("write home files", format!("~/{rel}: {e}"), false))?;
    }
    Ok(())
}

async fn start_servers(shared: &Arc<Shared>, spec: &CellSpec) -> Result<(), SandboxFailure> {
    let udp = tokio::net::UdpSocket::bind((DNS_ADDR, 53))
        .await
        .map_err(|e| fail("start the DNS responder", e, false))?;
    tokio::spawn(capture::serve_dns_udp(Arc::clone(shared), udp));
    let tcp = tokio::net::TcpListener::bind((DNS_ADDR, 53))
        .await
        .map_err(|e| fail("start the DNS responder", e, false))?;
    tokio::spawn(capture::serve_dns_tcp(Arc::clone(shared), tcp));
    let mut ports = spec.ports.clone();
    ports.sort_unstable();
    ports.dedup();
    for port in ports {
        if Some(port) == spec.proxy_port {
            continue;
        }
        let l = capture::bind_any(port)
            .and_then(|l| {
                l.set_nonblocking(true)?;
                tokio::net::TcpListener::from_std(l)
            })
            .map_err(|e| {
                fail(
                    "start the capture server",
                    format!("port {port}: {e}"),
                    false,
                )
            })?;
        tokio::spawn(capture::serve(Arc::clone(shared), l, false));
    }
    if let Some(port) = spec.proxy_port {
        let l = capture::bind_any(port)
            .and_then(|l| {
                l.set_nonblocking(true)?;
                tokio::net::TcpListener::from_std(l)
            })
            .map_err(|e| {
                fail(
                    "start the capture proxy",
                    format!("port {port}: {e}"),
                    false,
                )
            })?;
        tokio::spawn(capture::serve(Arc::clone(shared), l, true));
    }
    Ok(())
}

fn init_main() -> i32 {
    match init_run() {
        Ok(code) => code,
        Err(f) => {
            let line = serde_json::to_string(&f).unwrap_or_default();
            let _ = writeln!(std::io::stderr(), "{INIT_FAILURE}{line}");
            125
        }
    }
}

fn init_run() -> Result<i32, SandboxFailure> {
    let mut buf = Vec::new();
    std::io::stdin()
        .read_to_end(&mut buf)
        .map_err(|e| fail("init: read the go signal", e, false))?;
    if buf.is_empty() {
        // The helper gave up before the go signal.
        return Ok(125);
    }
    let spec: CellSpec =
        serde_json::from_slice(&buf).map_err(|e| fail("init: read the go signal", e, false))?;
    mount(
        Some("proc"),
        "/proc",
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None::<&str>,
    )
    .map_err(|e| fail("mount /proc of the new PID namespace", e, true))?;
    unshare(CloneFlags::CLONE_NEWUSER)
        .map_err(|e| fail("enter the agent's user namespace", e, true))?;
    write_maps(0, 0, AGENT_UID).map_err(|mut f| {
        f.step = format!("agent user namespace: {}", f.step);
        f
    })?;
    let Some((prog, args)) = spec.argv.split_first() else {
        return Err(fail("start the agent", "empty command line", false));
    };
    let mut cmd = Command::new(prog);
    cmd.args(args)
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&spec.cwd)
        .stdin(Stdio::null());
    let child = cmd
        .spawn()
        .map_err(|e| fail("start the agent", format!("{prog}: {e}"), false))?;
    let agent = nix::unistd::Pid::from_raw(child.id() as i32);
    // PID 1 reaps everything; it returns when the agent itself has exited.
    loop {
        match nix::sys::wait::waitpid(None, None) {
            Ok(nix::sys::wait::WaitStatus::Exited(pid, code)) if pid == agent => return Ok(code),
            Ok(nix::sys::wait::WaitStatus::Signaled(pid, sig, _)) if pid == agent => {
                return Ok(128 + sig as i32);
            }
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(fail("wait for the agent", e, false)),
        }
    }
}
