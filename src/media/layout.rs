//! Channel layouts: FFmpeg's name for a stream's or a decoder's layout.

use std::ffi::CStr;
use std::os::raw::c_char;

use ffmpeg_next as ff;

/// FFmpeg's name for `layout` (`stereo`, `5.1(side)`, `3 channels` …); `unknown` if it has
/// none.
pub(crate) fn describe(layout: &ff::ffi::AVChannelLayout) -> String {
    let mut buf = [0 as c_char; 128];
    // SAFETY: `layout` is a valid AVChannelLayout; the buffer is 128 bytes and its size is
    // passed, so FFmpeg writes a NUL-terminated string within it.
    let n = unsafe { ff::ffi::av_channel_layout_describe(layout, buf.as_mut_ptr(), buf.len()) };
    if n <= 0 {
        return "unknown".into();
    }
    // SAFETY: FFmpeg wrote a NUL-terminated string into `buf`.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// The layout a decoder's sound is in, as a name a filter graph accepts: unlabelled channels
/// (an unspecified order) are read as FFmpeg's default layout for their count.
pub(crate) fn of_decoder(dec: &ff::codec::decoder::Audio) -> String {
    // SAFETY: the decoder context is open; its ch_layout is valid for reading.
    let layout = unsafe { &(*dec.as_ptr()).ch_layout };
    if layout.order != ff::ffi::AVChannelOrder::AV_CHANNEL_ORDER_UNSPEC {
        return describe(layout);
    }
    // SAFETY: an all-zero AVChannelLayout is a valid empty layout for av_channel_layout_default
    // to fill; it is uninitialised again after use.
    unsafe {
        let mut def: ff::ffi::AVChannelLayout = std::mem::zeroed();
        ff::ffi::av_channel_layout_default(&mut def, layout.nb_channels.max(1));
        let name = describe(&def);
        ff::ffi::av_channel_layout_uninit(&mut def);
        name
    }
}

/// The number of channels of the layout FFmpeg calls `name` (`None`: no such layout).
pub(crate) fn channels(name: &str) -> Option<i32> {
    let cname = std::ffi::CString::new(name).ok()?;
    // SAFETY: an all-zero AVChannelLayout is valid for av_channel_layout_from_string to fill;
    // it is uninitialised again after reading its count.
    unsafe {
        let mut l: ff::ffi::AVChannelLayout = std::mem::zeroed();
        if ff::ffi::av_channel_layout_from_string(&mut l, cname.as_ptr()) < 0 {
            return None;
        }
        let n = l.nb_channels;
        ff::ffi::av_channel_layout_uninit(&mut l);
        Some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_counts_agree() {
        for (name, n) in [
            ("mono", 1),
            ("stereo", 2),
            ("5.1", 6),
            ("5.1(side)", 6),
            ("7.1", 8),
        ] {
            assert_eq!(channels(name), Some(n), "{name}");
        }
        assert_eq!(channels("no such layout"), None);
    }
}
