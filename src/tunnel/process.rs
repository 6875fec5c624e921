//! The two things about a tunnel tool's process that need the OS directly:
//! it dies with Hookscope (even a SIGKILLed one), and it is stopped as a
//! group, gently first.

use std::time::Duration;

use tokio::process::{Child, Command};

/// Asks the kernel to SIGKILL the child when the thread that spawned it
/// ends: the supervisor's own thread, which lives until the tunnel is
/// stopped, or dies with the process.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn die_with_parent(cmd: &mut Command) {
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: runs in the forked child before exec, and calls only
    // async-signal-safe functions (prctl, getppid, _exit).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent died between fork and prctl: nothing would kill us later.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
pub fn die_with_parent(_cmd: &mut Command) {}

/// SIGTERM to the child's process group, up to `grace` for the tool to exit,
/// then SIGKILL to whatever of the group is left.
pub async fn terminate(child: &mut Child, grace: Duration) {
    if let Some(pid) = child.id() {
        signal_group(pid, Signal::Term);
        let _ = tokio::time::timeout(grace, child.wait()).await;
        signal_group(pid, Signal::Kill);
    }
    let _ = child.kill().await;
}

#[derive(Clone, Copy)]
enum Signal {
    Term,
    Kill,
}

#[cfg(unix)]
#[allow(unsafe_code)]
fn signal_group(pid: u32, signal: Signal) {
    let sig = match signal {
        Signal::Term => libc::SIGTERM,
        Signal::Kill => libc::SIGKILL,
    };
    // SAFETY: kill(2) with a negative pid signals that process group; the
    // group is the child's own (spawned with process_group(0)), so this
    // reaches the tool and whatever it started, nothing else.
    unsafe {
        libc::kill(-(pid as libc::pid_t), sig);
    }
}

#[cfg(not(unix))]
fn signal_group(_pid: u32, _signal: Signal) {}
