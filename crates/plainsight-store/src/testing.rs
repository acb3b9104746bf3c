//! Test support: a real PostgreSQL server in a temporary directory, for the
//! store's and the guard's tests (not used by the binary).
//!
//! PostgreSQL refuses to run as root, so when the tests run as root the
//! server runs as an unprivileged user (`PLAINSIGHT_PG_USER`, default
//! `nobody`) through `runuser`. Server binaries are looked up in
//! `PLAINSIGHT_PG_BIN`, else the highest `/usr/lib/postgresql/*/bin`, else
//! `PATH`. When any step fails, [`TempPostgres::start`] returns the reason
//! so the test can print `skipped: …` rather than pass silently.
//!
//! The server is started under a small shell watchdog that stops it as soon
//! as the test process is gone, so no server outlives its tests even when
//! a test binary is killed.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A running temporary server.
#[derive(Debug)]
pub struct TempPostgres {
    dir: PathBuf,
    port: u16,
    user: Option<String>,
    bin: PathBuf,
}

fn bin_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PLAINSIGHT_PG_BIN") {
        return Some(PathBuf::from(p));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let b = e.path().join("bin");
            b.join("postgres").exists().then_some((v, b))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl TempPostgres {
    /// Starts a server, or says why it cannot.
    pub fn start() -> Result<TempPostgres, String> {
        let bin = match bin_dir() {
            Some(b) => b,
            None => which("postgres")
                .and_then(|p| p.parent().map(Path::to_path_buf))
                .ok_or("no PostgreSQL server binaries (set PLAINSIGHT_PG_BIN)")?,
        };
        let user = is_root()
            .then(|| std::env::var("PLAINSIGHT_PG_USER").unwrap_or_else(|_| "nobody".to_owned()));
        let dir = std::env::temp_dir().join(format!(
            "plainsight-pg-{}-{}",
            std::process::id(),
            crate::random_hex(4).map_err(|e| e.to_string())?
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        set_mode(&dir, 0o777)?;
        if let Some(u) = &user {
            // Owned by the server's user, so its watchdog can remove it.
            let id = |flag: &str| -> Option<u32> {
                let o = Command::new("id").args([flag, u.as_str()]).output().ok()?;
                String::from_utf8_lossy(&o.stdout).trim().parse().ok()
            };
            let (Some(uid), Some(gid)) = (id("-u"), id("-g")) else {
                return Err(format!(
                    "no user `{u}` to run postgres as (PLAINSIGHT_PG_USER)"
                ));
            };
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e}", dir.display()))?;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("finding a free port: {e}"))?
            .port();
        let pg = TempPostgres {
            dir,
            port,
            user,
            bin,
        };
        pg.run(
            "initdb",
            &[
                "-D",
                &pg.data(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
        )?;
        std::fs::create_dir_all(pg.dir.join("sock")).map_err(|e| e.to_string())?;
        set_mode(&pg.dir.join("sock"), 0o777)?;
        // The watchdog: start the server in the foreground of a shell that
        // polls for this process and stops the server when it is gone.
        let script = format!(
            "'{bin}/postgres' -D '{data}' -p {port} -c listen_addresses=127.0.0.1 \
             -c unix_socket_directories='{sock}' -c fsync=off -c full_page_writes=off \
             -c max_connections=200 >'{log}' 2>&1 & pg=$!; \
             while [ -d /proc/{me} ] && kill -0 $pg 2>/dev/null; do sleep 0.5; done; \
             kill -QUIT $pg 2>/dev/null; wait $pg; rm -rf '{dir}'",
            bin = pg.bin.display(),
            data = pg.data(),
            sock = pg.dir.join("sock").display(),
            log = pg.dir.join("server.log").display(),
            me = std::process::id(),
            dir = pg.dir.display(),
        );
        let mut cmd = pg.command("sh");
        cmd.args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd.spawn()
            .map_err(|e| format!("starting postgres through sh: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if postgres::Client::connect(&pg.url("postgres"), postgres::NoTls).is_ok() {
                return Ok(pg);
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(pg.dir.join("server.log")).unwrap_or_default();
                return Err(format!(
                    "postgres did not accept connections in 30 s: {log}"
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    fn command(&self, program: &str) -> Command {
        let program = if program == "sh" {
            PathBuf::from("sh")
        } else {
            self.bin.join(program)
        };
        let mut c = if let Some(u) = &self.user {
            let mut c = Command::new("runuser");
            c.args(["-u", u, "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        c.current_dir(&self.dir);
        c
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let out = self
            .command(program)
            .args(args)
            .output()
            .map_err(|e| format!("running {program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// A URL for database `db` on this server.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// Creates a fresh database and returns its URL.
    pub fn create_db(&self, name: &str) -> Result<String, String> {
        let mut c = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .map_err(|e| e.to_string())?;
        c.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .map_err(|e| e.to_string())?;
        c.batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .map_err(|e| e.to_string())?;
        Ok(self.url(name))
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let _ = self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn set_mode(p: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("chmod {}: {e}", p.display()))
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.exists())
    })
}
