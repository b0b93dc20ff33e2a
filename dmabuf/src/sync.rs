//! Explicit synchronisation with a buffer's producer: before vivid reads an offered DMA-BUF
//! it waits (bounded) for the producer's pending writes through
//! `DMA_BUF_IOCTL_EXPORT_SYNC_FILE`; where the kernel or the buffer refuses (a kernel
//! before 5.20, a memfd or file that is not a DMA-BUF, an opaque Vulkan fd) vivid falls
//! back to implicit sync — the producer's promise that the buffer is finished when offered
//! — and says why once.
//!
//! The wait happens in [`crate::ImportSource::offer`], on the host's thread, never on the
//! render thread.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::Mutex;
use std::time::Duration;

use crate::error::{DmabufError, Result};
use crate::format::HandleType;
use crate::vk;

/// How long `offer` waits at most for a producer's writes, unless the source says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(100);

/// How an offered buffer was synchronised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sync {
    /// The producer's writes were waited for (their sync file signalled).
    Explicit,
    /// Not waited for: implicit sync, for this reason.
    Implicit(String),
}

/// Reasons already logged (each once per process).
static SAID: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn say_once(reason: &str) {
    let mut said = SAID
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !said.iter().any(|s| s == reason) {
        said.push(reason.to_string());
        log::info!("DMA-BUF import: implicit sync: {reason}");
    }
}

/// Waits at most `timeout` for the writes pending on `fd` (a buffer of `handle`'s kind).
/// A refused ioctl is implicit sync (logged once per reason); a wait that does not end in
/// time is [`DmabufError::Sync`].
pub fn wait_for_writes(fd: &OwnedFd, handle: HandleType, timeout: Duration) -> Result<Sync> {
    if handle != HandleType::DmaBuf {
        let reason = "an opaque Vulkan fd carries no fences (its producer's device waits)";
        say_once(reason);
        return Ok(Sync::Implicit(reason.into()));
    }
    let sync = match vk::export_sync_file(fd.as_fd(), vk::DMA_BUF_SYNC_READ) {
        Ok(sync) => sync,
        Err(e) => {
            let why = match e.raw_os_error() {
                Some(libc::ENOTTY) => "not a DMA-BUF, or a kernel before 5.20 (ENOTTY)".into(),
                Some(libc::EINVAL) => "the kernel refused the request (EINVAL)".into(),
                _ => e.to_string(),
            };
            let reason = format!("DMA_BUF_IOCTL_EXPORT_SYNC_FILE: {why}");
            say_once(&reason);
            return Ok(Sync::Implicit(reason));
        }
    };
    wait_sync_file(&sync, timeout)?;
    Ok(Sync::Explicit)
}

/// Waits at most `timeout` for a sync file (any pollable fd) to signal.
pub fn wait_sync_file(sync: &OwnedFd, timeout: Duration) -> Result<()> {
    if vk::wait_readable(sync.as_fd(), timeout)? {
        Ok(())
    } else {
        Err(DmabufError::Sync(format!(
            "the producer's writes did not finish within {} ms (hint: offer a buffer once \
             its producer's fence has signalled, or raise ImportSource::set_sync_timeout)",
            timeout.as_millis()
        )))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::fd::OwnedFd;
    use std::time::{Duration, Instant};

    use super::{Sync, wait_for_writes, wait_sync_file};
    use crate::error::DmabufError;
    use crate::format::HandleType;

    /// The bounded wait ends at its deadline on an fd that never signals, and at once on one
    /// that has (a pipe stands in for a sync file: both are readable when signalled).
    #[test]
    fn the_wait_is_bounded_and_ends_when_the_fd_signals() {
        let (reader, mut writer) = std::io::pipe().expect("a pipe");
        let reader = OwnedFd::from(reader);
        let start = Instant::now();
        let err = wait_sync_file(&reader, Duration::from_millis(40)).unwrap_err();
        let waited = start.elapsed();
        assert!(matches!(err, DmabufError::Sync(_)), "{err:?}");
        assert!(err.to_string().contains("40 ms"), "{err}");
        assert!(waited >= Duration::from_millis(35), "{waited:?}");
        assert!(waited < Duration::from_secs(2), "{waited:?}");
        writer.write_all(b"x").expect("write");
        let start = Instant::now();
        wait_sync_file(&reader, Duration::from_secs(5)).expect("signalled");
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    /// A buffer that is not a DMA-BUF (a regular file) is refused by the ioctl: implicit
    /// sync, with the kernel's reason.
    #[test]
    fn a_file_that_is_not_a_dma_buf_falls_back_to_implicit_sync() {
        let file = OwnedFd::from(tempfile_in_tmp());
        let got = wait_for_writes(&file, HandleType::DmaBuf, Duration::from_millis(10))
            .expect("a fallback, not an error");
        let Sync::Implicit(reason) = got else {
            panic!("a regular file has no fences to export");
        };
        assert!(reason.contains("EXPORT_SYNC_FILE"), "{reason}");
        assert!(reason.contains("ENOTTY"), "{reason}");
        let opaque = wait_for_writes(&file, HandleType::OpaqueFd, Duration::from_millis(10));
        assert!(matches!(opaque, Ok(Sync::Implicit(r)) if r.contains("opaque")));
    }

    fn tempfile_in_tmp() -> std::fs::File {
        let path = std::env::temp_dir().join(format!("vivid-dmabuf-sync-{}", std::process::id()));
        let file = std::fs::File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .expect("a temporary file");
        let _ = std::fs::remove_file(&path);
        file
    }
}
