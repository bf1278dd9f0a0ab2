//! [`Feed`]: a message held in JS, given to the wasm decryptor (which reads headers, frame heads
//! and lengths and keeps no frame bytes) without copying into wasm memory the frame bytes it
//! does not read.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::envelope::decrypt::Decryptor;
use crate::envelope::header::ContentType;
use crate::envelope::suite::{IV_LEN, TAG_LEN};
use crate::err;
use crate::error::Result;

/// Bytes copied from JS into wasm memory per step when feeding the decryptor.
pub(super) const CHUNK: usize = 256 << 10;

/// Frames of a one-shot decryption with at least this many bytes the decryptor does not read
/// ([`Decryptor::unread_ahead`]) after a [`HEAD_WINDOW`] are read a window at a time, their
/// ciphertext skipped, not copied into wasm memory (copying it cost as much as a second read of
/// the message). Smaller frames are read through [`SMALL_WINDOW`]s copied in batches.
const SKIP_MIN: u64 = 16 << 10;

/// Bytes copied after a skip: the next frame's head (at most 24 bytes) or the footer (at most
/// 2 + 104), and the start of the next frame's ciphertext, skipped in turn.
const HEAD_WINDOW: usize = 1024;

/// Frames of [`SMALL_FRAMES_MIN`] to [`SKIP_MIN`] bytes: after a skip, windows of this many
/// bytes are copied where the next frames' heads lie if the frames are regular (a frame's
/// sealed length apart), up to [`WINDOWS_AT_ONCE`] in one call. A window holds a regular frame's
/// head (16 bytes) or the final frame's (24); one the decryptor does not arrive at (the frame
/// before it was the last, or not of the regular length) is dropped, unused.
const SMALL_WINDOW: usize = 32;

/// Frames smaller than this stay with [`CHUNK`]s: a window would be most of them.
const SMALL_FRAMES_MIN: u32 = 1024;

/// Windows copied in one call at most.
const WINDOWS_AT_ONCE: usize = 1024;

#[wasm_bindgen(module = "/src/wasm/copy_windows.js")]
extern "C" {
    #[wasm_bindgen(js_name = copyWindows)]
    fn copy_windows(
        source: &Uint8Array,
        first: u32,
        stride: u32,
        width: u32,
        count: u32,
    ) -> Uint8Array;
}

/// The one-shot message (or a stream's pushed chunk) in JS memory, copied into wasm memory for
/// the decryptor. Whenever the copied bytes run out inside frame bytes the decryptor does not
/// read, they are skipped, and the next copy is a window rather than a [`CHUNK`]: frames of
/// [`SKIP_MIN`] or more then go a [`HEAD_WINDOW`] at a time; smaller ones go a
/// [`SMALL_WINDOW`] at a time, copied in batches (one copy call per frame cost as much as
/// copying the frame), and frames under [`SMALL_FRAMES_MIN`] stay with chunks.
pub(super) struct Feed<'m> {
    message: &'m Uint8Array,
    state: FeedState,
    /// The message's bytes before this one were copied or skipped.
    pos: usize,
    /// The bytes being pushed: `len` bytes of `state.buf` from `seg`, `used` of them pushed.
    seg: usize,
    len: usize,
    used: usize,
    ahead: WindowsAhead,
}

/// Small frames' windows copied ahead into the feed's buffer, after the one being pushed.
#[derive(Default)]
struct WindowsAhead {
    /// Where the next one starts in the message and in the buffer.
    next: usize,
    at: usize,
    stride: usize,
    left: usize,
}

/// What a [`Feed`] keeps from one piece of a message to the next (a stream's pushes): its copy
/// buffer (at most a [`CHUNK`]) and whether it copies windows.
#[derive(Default)]
pub(super) struct FeedState {
    buf: Vec<u8>,
    /// The last copy was a [`HEAD_WINDOW`].
    windowed: bool,
    /// The next copy is a [`HEAD_WINDOW`].
    window_next: bool,
    /// Bytes were skipped since the last copy.
    skipped: bool,
}

impl<'m> Feed<'m> {
    pub(super) fn new(message: &'m Uint8Array) -> Self {
        Feed::resume(message, FeedState::default())
    }

    /// A feed of `message` that goes on as the one `state` was taken from
    /// ([`Feed::into_state`]) left off.
    pub(super) fn resume(message: &'m Uint8Array, state: FeedState) -> Self {
        Feed {
            message,
            state,
            pos: 0,
            seg: 0,
            len: 0,
            used: 0,
            ahead: WindowsAhead::default(),
        }
    }

    pub(super) fn into_state(self) -> FeedState {
        self.state
    }

    /// Pushes the next bytes into `dec`: `false` once the whole message was consumed. Call it
    /// only after taking every ready frame: the decryptor uses fewer bytes than offered only to
    /// hand out a frame, so using none then means it is stuck (`INVALID_STATE`).
    pub(super) fn push(&mut self, dec: &mut Decryptor) -> Result<bool> {
        let total = self.message.length() as usize;
        if self.used == self.len {
            if self.pos >= total {
                return Ok(false);
            }
            let ahead = dec.unread_ahead();
            let unread = ahead.min((total - self.pos) as u64);
            if unread > 0 {
                dec.skip(unread)?;
                self.pos += unread as usize;
                // After a chunk: one window finds out how large the frames are. Decided at the
                // first skip after a copy: a frame that goes on into the next piece of the
                // message (a stream's push) is skipped there again.
                let st = &mut self.state;
                if !st.skipped {
                    st.window_next = ahead >= SKIP_MIN || !st.windowed;
                }
                st.skipped = true;
                return Ok(true);
            }
            if !self.next_window() && !self.copy_windows(dec, total) {
                self.copy(total);
            }
            self.pos += self.len;
            self.used = 0;
        }
        let bytes = &self.state.buf[self.seg..self.seg + self.len];
        let used = dec.push(&bytes[self.used..])?;
        if used == 0 {
            return Err(err!(
                InvalidState,
                "decryptor made no progress at byte {}",
                dec.consumed()
            ));
        }
        self.used += used;
        Ok(true)
    }

    /// Takes the window copied ahead that starts where the decryptor is, if there is one (the
    /// others are dropped).
    fn next_window(&mut self) -> bool {
        let w = &mut self.ahead;
        if w.left == 0 || w.next != self.pos {
            w.left = 0;
            return false;
        }
        self.seg = w.at;
        self.len = SMALL_WINDOW;
        w.at += SMALL_WINDOW;
        w.next += w.stride;
        w.left -= 1;
        self.state.skipped = false;
        true
    }

    /// After a skip in a message of small frames: copies windows where the next frames' heads
    /// lie, at least two (otherwise `false`, nothing copied), and takes the first.
    fn copy_windows(&mut self, dec: &Decryptor, total: usize) -> bool {
        let Some(stride) = self
            .state
            .skipped
            .then(|| small_frame_stride(dec))
            .flatten()
        else {
            return false;
        };
        let room = total - self.pos;
        if room < SMALL_WINDOW + stride {
            return false;
        }
        let count = ((room - SMALL_WINDOW) / stride + 1).min(WINDOWS_AT_ONCE);
        let bytes = count * SMALL_WINDOW;
        let st = &mut self.state;
        if st.buf.len() < bytes {
            st.buf.resize(bytes, 0);
        }
        copy_windows(
            self.message,
            self.pos as u32,
            stride as u32,
            SMALL_WINDOW as u32,
            count as u32,
        )
        .copy_to(&mut st.buf[..bytes]);
        st.skipped = false;
        self.seg = 0;
        self.len = SMALL_WINDOW;
        self.ahead = WindowsAhead {
            next: self.pos + stride,
            at: SMALL_WINDOW,
            stride,
            left: count - 1,
        };
        true
    }

    /// Copies the next [`CHUNK`] or [`HEAD_WINDOW`] of the message.
    fn copy(&mut self, total: usize) {
        let st = &mut self.state;
        st.windowed = st.window_next;
        st.skipped = false;
        let step = if st.windowed { HEAD_WINDOW } else { CHUNK };
        self.len = (total - self.pos).min(step);
        // A window cut short by the end of this piece of the message (a stream's push)
        // goes on as a window in the next.
        st.window_next = st.windowed && self.len < step;
        if st.buf.len() < self.len {
            st.buf.resize(self.len, 0);
        }
        self.message
            .subarray(self.pos as u32, (self.pos + self.len) as u32)
            .copy_to(&mut st.buf[..self.len]);
        self.seg = 0;
    }
}

/// The sealed length of a regular frame (sequence number, IV, ciphertext, tag) of a framed
/// message whose frames are small enough to be read through [`SMALL_WINDOW`]s.
fn small_frame_stride(dec: &Decryptor) -> Option<usize> {
    let info = dec.verified_header()?.info();
    let len = info.frame_length;
    (info.content_type == ContentType::Framed && (SMALL_FRAMES_MIN..SKIP_MIN as u32).contains(&len))
        .then(|| 4 + IV_LEN + len as usize + TAG_LEN)
}
