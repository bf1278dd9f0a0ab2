//! Where `callseal decrypt` keeps plaintext until the whole message verified.
//!
//! Plaintext goes to a temporary file in the output's directory (so the final rename stays on
//! one filesystem), created exclusively with mode 0600 — never to a predictable name, so nothing
//! planted there (a symlink, the input itself) is followed or truncated:
//!
//! - Linux: an unnamed `O_TMPFILE` file. It has no name until the message verified, so no way
//!   of ending the process (SIGKILL, a crash) leaves plaintext behind, and signals keep their
//!   usual effect. Only then is it linked under a random `.callseal-XXXXXX.tmp` name (created
//!   exclusively) and renamed over the output.
//! - elsewhere, or a filesystem without `O_TMPFILE`: a named `.callseal-XXXXXX.tmp` file
//!   (`O_CREAT | O_EXCL`, 0600), removed on every error.
//!
//! While a named temporary file exists (the fallback, or the moment between linking and renaming
//! the unnamed one), a handler thread for SIGINT, SIGTERM and SIGHUP (those not ignored when it is
//! installed, so `nohup` still works) removes it and then ends the process by the same signal, as
//! if no handler were installed (Unix only). The thread holds [`REGISTRY`] until the process is
//! gone, and temporary files are only created and renamed while holding it, so a signal cannot
//! land between creating a file and recording it.
//!
//! Test hook: `CALLSEAL_TEST_NAMED_TEMPFILE=1` makes Linux use the named fallback.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use tempfile::{Builder, TempPath};

/// The named temporary file the signal handler must remove.
static REGISTRY: Mutex<Option<PathBuf>> = Mutex::new(None);

fn registry() -> MutexGuard<'static, Option<PathBuf>> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Installs (once) the thread that, on SIGINT / SIGTERM / SIGHUP, removes the file recorded in
/// [`REGISTRY`] and ends the process by that signal. Call before creating a named file.
fn ensure_signal_handler() -> io::Result<()> {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        use std::sync::atomic::{AtomicBool, Ordering};
        static INSTALLED: AtomicBool = AtomicBool::new(false);
        if !INSTALLED.load(Ordering::Relaxed) {
            let ignored = ignored_signals();
            let wanted: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
                .into_iter()
                .filter(|s| ignored & (1u64 << (s - 1)) == 0)
                .collect();
            if !wanted.is_empty() {
                let mut signals = signal_hook::iterator::Signals::new(&wanted)?;
                std::thread::Builder::new()
                    .name("callseal-signals".into())
                    .spawn(move || {
                        if let Some(signal) = signals.forever().next() {
                            // Never released: no temporary file is created or renamed after this.
                            let guard = registry();
                            if let Some(path) = guard.as_ref() {
                                let _ = std::fs::remove_file(path);
                            }
                            let _ = signal_hook::low_level::emulate_default_handler(signal);
                            std::process::exit(128 + signal);
                        }
                    })?;
            }
            INSTALLED.store(true, Ordering::Relaxed);
        }
    }
    Ok(())
}

/// The signals this process inherited as ignored (bit `n - 1` for signal `n`): Linux reports them
/// in /proc/self/status; elsewhere none are assumed.
#[cfg(unix)]
fn ignored_signals() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("SigIgn:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .unwrap_or(0)
}

fn temp_builder() -> Builder<'static, 'static> {
    let mut b = Builder::new();
    b.prefix(".callseal-").suffix(".tmp");
    b
}

/// The directory a file path lives in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A temporary file that becomes the output only through [`Pending::commit`]; dropping it
/// removes it.
pub struct Pending {
    file: Option<File>,
    /// `None`: an unnamed `O_TMPFILE` file (Linux).
    named: Option<TempPath>,
    dir: PathBuf,
}

impl Pending {
    /// Creates the temporary file in `dir` (the output's directory).
    pub fn create(dir: &Path) -> io::Result<Pending> {
        let mut guard = registry();
        #[cfg(target_os = "linux")]
        if let Some(file) = unnamed(dir) {
            return Ok(Pending {
                file: Some(file),
                named: None,
                dir: dir.to_path_buf(),
            });
        }
        // tempfile: O_CREAT | O_EXCL, mode 0600, an absolute path, removed when dropped.
        ensure_signal_handler()?;
        let (file, path) = temp_builder().tempfile_in(dir)?.into_parts();
        *guard = Some(path.to_path_buf());
        Ok(Pending {
            file: Some(file),
            named: Some(path),
            dir: dir.to_path_buf(),
        })
    }

    pub fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("open until commit")
    }

    /// Flushes the file to disk and renames it over `output` (replacing an existing file).
    /// On failure the temporary file is removed.
    pub fn commit(mut self, output: &Path) -> io::Result<()> {
        let file = self.file.take().expect("open until commit");
        file.sync_all()?;
        {
            let mut guard = registry();
            let temp = match self.named.take() {
                Some(path) => path,
                #[cfg(target_os = "linux")]
                None => {
                    ensure_signal_handler()?;
                    let path = link_unnamed(&file, &self.dir)?;
                    *guard = Some(path.to_path_buf());
                    path
                }
                #[cfg(not(target_os = "linux"))]
                None => unreachable!("unnamed temporary files are Linux only"),
            };
            drop(file);
            // On error the returned TempPath is dropped, which removes the temporary file.
            let result = temp.persist(output).map_err(|e| e.error);
            *guard = None;
            result?;
        }
        // Make the rename itself durable (best effort: not every platform can open a directory).
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(path) = self.named.take() {
            let mut guard = registry();
            drop(path); // removes the file
            *guard = None;
        }
    }
}

/// An unnamed file (`O_TMPFILE`, mode 0600) in `dir`, if the filesystem supports it and it can
/// be linked later (through `/proc/self/fd`).
#[cfg(target_os = "linux")]
fn unnamed(dir: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    if std::env::var_os("CALLSEAL_TEST_NAMED_TEMPFILE").is_some_and(|v| !v.is_empty()) {
        return None;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(rustix::fs::OFlags::TMPFILE.bits() as i32)
        .mode(0o600)
        .open(dir)
        .ok()?;
    std::fs::symlink_metadata(proc_fd_path(&file))
        .is_ok()
        .then_some(file)
}

#[cfg(target_os = "linux")]
fn proc_fd_path(file: &File) -> PathBuf {
    use std::os::fd::AsRawFd;
    PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()))
}

/// Gives the unnamed file a random name in `dir` (retrying if the name exists).
#[cfg(target_os = "linux")]
fn link_unnamed(file: &File, dir: &Path) -> io::Result<TempPath> {
    use rustix::fs::{linkat, AtFlags, CWD};
    let source = proc_fd_path(file);
    let named = temp_builder().make_in(dir, |path| {
        linkat(CWD, &source, CWD, path, AtFlags::SYMLINK_FOLLOW).map_err(io::Error::from)
    })?;
    Ok(named.into_temp_path())
}

/// Whether two paths name the same existing file (device and inode on Unix, so hard links and
/// symlinks count); false if either does not exist.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    }
}
