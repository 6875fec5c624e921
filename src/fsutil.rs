//! Files Hookscope writes hold other people's payloads and secrets: each is
//! readable by its owner only (0600, folders 0700), whatever the umask.

use std::io::{self, Write as _};
use std::path::Path;

/// Creates `dir` (and its parents) if needed, and makes `dir` itself private
/// — unless it is a shared sticky folder such as `/tmp` (`HOOKSCOPE_HOME=/tmp`
/// must not lock everyone else out of it).
pub fn private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if std::fs::metadata(dir)?.permissions().mode() & 0o1000 != 0 {
            return Ok(());
        }
    }
    restrict(dir, 0o700)
}

/// Writes `bytes` to `path` (replacing it), readable by its owner only. A
/// missing folder is created private; an existing one is left as it is (it
/// may be the user's own, e.g. where `--db` points).
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    // The mode above applies only when the file is created.
    restrict(path, 0o600)?;
    file.write_all(bytes)
}

/// Sets `path`'s permission bits; a no-op where there are none.
pub fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}
