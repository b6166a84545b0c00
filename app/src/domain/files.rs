//! Files people attach: which kinds we take (decided by the bytes, never by the name or the
//! browser's word), names made safe to show and to save, the location taken out of photos
//! as they stream past, and a file field's limits. Pure: no I/O.

use serde::{Deserialize, Serialize};

/// The kinds of file we accept. Anything else is refused, whatever its name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    /// HEIC/HEIF, as phones take photos.
    Heic,
    Docx,
    Odt,
    /// ASiC-E signed containers (Latvian `.edoc`, `.asice`, `.bdoc`).
    Asice,
}

impl FileKind {
    pub const ALL: [FileKind; 7] = [
        FileKind::Pdf,
        FileKind::Jpeg,
        FileKind::Png,
        FileKind::Heic,
        FileKind::Docx,
        FileKind::Odt,
        FileKind::Asice,
    ];

    /// The MIME type files of this kind are stored and served as.
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Heic => "image/heic",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Odt => "application/vnd.oasis.opendocument.text",
            FileKind::Asice => "application/vnd.etsi.asic-e+zip",
        }
    }

    pub fn from_mime(s: &str) -> Option<FileKind> {
        let s = s.trim().to_ascii_lowercase();
        if s == "image/heif" {
            return Some(FileKind::Heic);
        }
        FileKind::ALL.into_iter().find(|k| k.mime() == s)
    }

    /// File name endings of this kind, the first one canonical.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            FileKind::Png => &["png"],
            FileKind::Heic => &["heic", "heif"],
            FileKind::Docx => &["docx"],
            FileKind::Odt => &["odt"],
            FileKind::Asice => &["edoc", "asice", "sce", "bdoc"],
        }
    }

    /// How people call the kind ("PDF", "JPEG", ...): the same in every language.
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Jpeg => "JPEG",
            FileKind::Png => "PNG",
            FileKind::Heic => "HEIC",
            FileKind::Docx => "DOCX",
            FileKind::Odt => "ODT",
            FileKind::Asice => "EDOC/ASiC-E",
        }
    }

    /// Photos: their location is taken out, and the browser may show a thumbnail.
    pub fn is_photo(self) -> bool {
        matches!(self, FileKind::Jpeg | FileKind::Png | FileKind::Heic)
    }

    /// The kind a file name claims by its ending, if it is one of ours.
    pub fn from_name(name: &str) -> Option<FileKind> {
        let (_, ext) = name.rsplit_once('.')?;
        let ext = ext.trim().to_ascii_lowercase();
        FileKind::ALL
            .into_iter()
            .find(|k| k.extensions().contains(&ext.as_str()))
    }
}

/// How many leading bytes `sniff` needs to decide (fewer when the file is shorter).
pub const SNIFF_BYTES: usize = 64 * 1024;

/// The kind of a file, from its first bytes (magic numbers; for ZIP containers, the
/// `mimetype` entry or the parts an office document has).
pub fn sniff(head: &[u8]) -> Option<FileKind> {
    if head.starts_with(b"%PDF-") {
        return Some(FileKind::Pdf);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(FileKind::Jpeg);
    }
    if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some(FileKind::Png);
    }
    if head.get(4..8) == Some(b"ftyp") {
        let size = be32(head, 0)? as usize;
        let brands = head.get(8..size.min(head.len()))?;
        let heif = [
            b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"heif",
        ];
        let major = brands.get(0..4)?;
        // Major brand, then the compatible ones after the minor version.
        let compatible = brands.get(8..).unwrap_or(&[]).chunks_exact(4);
        if heif.iter().any(|b| &b[..] == major)
            || compatible.clone().any(|c| heif.iter().any(|b| &b[..] == c))
        {
            return Some(FileKind::Heic);
        }
        return None;
    }
    if head.starts_with(b"PK\x03\x04") {
        return sniff_zip(head);
    }
    None
}

fn sniff_zip(head: &[u8]) -> Option<FileKind> {
    let name_len = usize::from(le16(head, 26)?);
    let extra_len = usize::from(le16(head, 28)?);
    let name = head.get(30..30 + name_len)?;
    if name == b"mimetype" && le16(head, 8)? == 0 {
        // Stored (not compressed), as ODF and ASiC require of their first entry.
        let size = le32(head, 18)? as usize;
        let start = 30 + name_len + extra_len;
        let mime = head.get(start..start + size)?;
        return match mime {
            b"application/vnd.oasis.opendocument.text" => Some(FileKind::Odt),
            b"application/vnd.etsi.asic-e+zip" => Some(FileKind::Asice),
            _ => None,
        };
    }
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    (has(b"[Content_Types].xml") && has(b"word/")).then_some(FileKind::Docx)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Why a file was not taken. The UI and the API put these into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// Its content is none of our kinds, or a kind this field does not take.
    NotAccepted,
    /// Its name claims one kind and its content is another (or none of ours).
    Mismatch { claimed: FileKind },
}

/// Decide a file's kind from its first bytes, and refuse it when the kind is not one the
/// field takes or when the name claims another kind.
pub fn check(name: &str, head: &[u8], accept: &[FileKind]) -> Result<FileKind, FileProblem> {
    let actual = sniff(head);
    let claimed = FileKind::from_name(name);
    match (claimed, actual) {
        (Some(c), a) if a != Some(c) && !(a.is_some_and(|a| a.is_photo() && c.is_photo())) => {
            // A photo saved with the ending of another photo kind is common (phones call
            // HEIC files .jpg); anything else is a mismatch.
            Err(FileProblem::Mismatch { claimed: c })
        }
        (_, Some(a)) if accept.is_empty() || accept.contains(&a) => Ok(a),
        _ => Err(FileProblem::NotAccepted),
    }
}

/// Maximum characters of a stored file name.
pub const MAX_NAME_CHARS: usize = 120;

/// A file name safe to show and to offer for saving: no folders, no control or direction
/// characters, none of `<>:"/\|?*`, no leading dots, at most `MAX_NAME_CHARS`, and ending
/// in an extension of its real kind.
pub fn safe_name(raw: &str, kind: FileKind) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
        })
        .map(|c| {
            if c.is_control() || "<>:\"/\\|?*".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' ']);
    let (stem, ext) = match trimmed.rsplit_once('.') {
        Some((s, e)) if FileKind::from_name(trimmed) == Some(kind) => {
            (s.to_string(), e.to_string())
        }
        _ => (trimmed.to_string(), kind.extensions()[0].to_string()),
    };
    let stem = if stem.trim().is_empty() {
        "file".to_string()
    } else {
        stem
    };
    let room = MAX_NAME_CHARS.saturating_sub(ext.chars().count() + 1);
    let stem: String = stem.chars().take(room).collect();
    format!("{}.{ext}", stem.trim_end())
}

/// A file field's limits when the service sets none.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 20_000_000;
pub const DEFAULT_MAX_FILES: u32 = 5;

/// Bytes in words: "2.5 MB", "300 KB" (decimal units, as phones and file managers show).
pub fn human_bytes(n: u64) -> String {
    if n >= 1_000_000 {
        let tenths = (n + 50_000) / 100_000;
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else if n >= 1000 {
        format!("{} KB", n.div_ceil(1000))
    } else {
        format!("{n} B")
    }
}

// ---------------------------------------------------------------------------------------
// Taking the location out of photos.
// ---------------------------------------------------------------------------------------

/// Bytes after an `Exif\0\0` header that may hold its TIFF structure (JPEG segments are at
/// most 64 KiB; HEIC keeps Exif in a small item).
const TIFF_WINDOW: usize = 128 * 1024;
const EXIF_II: &[u8] = b"Exif\0\0II*\0";
const EXIF_MM: &[u8] = b"Exif\0\0MM\0*";
const XMP_OPEN: &[u8] = b"<x:xmpmeta";
const XMP_CLOSE: &[u8] = b"</x:xmpmeta>";

/// Takes the location out of a photo as it streams past, chunk by chunk, holding back
/// only what it must (an Exif block, a PNG chunk header):
/// - JPEG and HEIC: every Exif block (`Exif\0\0` + TIFF; JPEG's own, the extra pictures
///   phones append, HEIC's Exif item) loses its GPS directory, overwritten in place, so
///   offsets inside the file stay valid; XMP packets are blanked with spaces.
/// - PNG: `eXIf` chunks and XMP or raw-profile text chunks are left out.
///
/// Other kinds pass through unchanged. Whatever the chunking, the output is the same.
pub struct Scrubber {
    mode: Mode,
    /// Input held back, not yet written out.
    held: Vec<u8>,
    /// JPEG/HEIC: inside an XMP packet (blank until its end).
    in_xmp: bool,
    /// PNG: bytes of the current chunk still to pass (or to drop).
    png_pass: u64,
    png_drop: bool,
    png_started: bool,
    changed: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Pass,
    Exif,
    Png,
}

impl Scrubber {
    pub fn new(kind: FileKind) -> Self {
        Scrubber {
            mode: match kind {
                FileKind::Jpeg | FileKind::Heic => Mode::Exif,
                FileKind::Png => Mode::Png,
                _ => Mode::Pass,
            },
            held: Vec::new(),
            in_xmp: false,
            png_pass: 0,
            png_drop: false,
            png_started: false,
            changed: false,
        }
    }

    /// Whether anything was taken out so far.
    pub fn changed(&self) -> bool {
        self.changed
    }

    /// Feed more input; what may be written is appended to `out`.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        match self.mode {
            Mode::Pass => out.extend_from_slice(input),
            Mode::Exif => {
                self.held.extend_from_slice(input);
                self.exif_step(out, false);
            }
            Mode::Png => {
                self.held.extend_from_slice(input);
                self.png_step(out, false);
            }
        }
    }

    /// The input has ended: write out what is held.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        match self.mode {
            Mode::Pass => {}
            Mode::Exif => self.exif_step(out, true),
            Mode::Png => self.png_step(out, true),
        }
        out.append(&mut self.held);
    }

    fn exif_step(&mut self, out: &mut Vec<u8>, end: bool) {
        let mut pos = 0;
        loop {
            if self.in_xmp {
                // Blank until the closing tag, which may not have arrived yet.
                match find(&self.held[pos..], XMP_CLOSE) {
                    Some(i) => {
                        self.changed |= blank(&mut self.held[pos..pos + i]);
                        pos += i + XMP_CLOSE.len();
                        self.in_xmp = false;
                        continue;
                    }
                    None => {
                        let keep = if end { 0 } else { XMP_CLOSE.len() - 1 };
                        let upto = self.held.len().saturating_sub(keep).max(pos);
                        self.changed |= blank(&mut self.held[pos..upto]);
                        pos = upto;
                        break;
                    }
                }
            }
            let exif = find(&self.held[pos..], EXIF_II)
                .into_iter()
                .chain(find(&self.held[pos..], EXIF_MM))
                .min();
            let xmp = find(&self.held[pos..], XMP_OPEN);
            let exif_first = match (exif, xmp) {
                (Some(e), Some(x)) => e < x,
                (Some(_), None) => true,
                _ => false,
            };
            match (exif, xmp) {
                (Some(e), _) if exif_first => {
                    let tiff = pos + e + 6;
                    if !end && self.held.len() < tiff + TIFF_WINDOW {
                        pos += e; // wait for the whole window
                        break;
                    }
                    let stop = (tiff + TIFF_WINDOW).min(self.held.len());
                    self.changed |= strip_gps(&mut self.held[tiff..stop]);
                    // Go on looking inside the window too: another picture's Exif may
                    // start there.
                    pos = tiff + 4;
                }
                (_, Some(x)) => {
                    pos += x + XMP_OPEN.len();
                    self.in_xmp = true;
                }
                _ => {
                    // Keep a possible start of a header that the next input completes.
                    let keep = if end { 0 } else { EXIF_II.len() - 1 };
                    pos = self.held.len().saturating_sub(keep).max(pos);
                    break;
                }
            }
        }
        out.extend(self.held.drain(..pos));
    }

    fn png_step(&mut self, out: &mut Vec<u8>, end: bool) {
        let mut pos = 0;
        if !self.png_started {
            if self.held.len() < 8 && !end {
                return;
            }
            // The signature passes unchanged.
            pos = self.held.len().min(8);
            out.extend_from_slice(&self.held[..pos]);
            self.png_started = true;
        }
        loop {
            if self.png_pass > 0 {
                let n = self.png_pass.min((self.held.len() - pos) as u64) as usize;
                if n == 0 {
                    break;
                }
                if !self.png_drop {
                    out.extend_from_slice(&self.held[pos..pos + n]);
                }
                pos += n;
                self.png_pass -= n as u64;
                continue;
            }
            // A chunk header (length, type) and, for text chunks, the keyword after it.
            let (Some(len), Some(kind)) = (be32(&self.held, pos), self.held.get(pos + 4..pos + 8))
            else {
                break;
            };
            let text = matches!(kind, b"iTXt" | b"tEXt" | b"zTXt");
            let need = if text { 8 + (len as usize).min(80) } else { 8 };
            if self.held.len() < pos + need && !end {
                break;
            }
            let drop = match kind {
                b"eXIf" => true,
                _ if text => {
                    let body = &self.held[pos + 8..(pos + need).min(self.held.len())];
                    body.starts_with(b"XML:com.adobe.xmp\0")
                        || body.starts_with(b"Raw profile type")
                }
                _ => false,
            };
            self.changed |= drop;
            self.png_drop = drop;
            // Header, data and CRC.
            self.png_pass = u64::from(len) + 12;
        }
        self.held.drain(..pos);
    }
}

/// Locate `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Overwrite with spaces; whether anything was not a space before.
fn blank(b: &mut [u8]) -> bool {
    let changed = b.iter().any(|&c| c != b' ');
    b.fill(b' ');
    changed
}

/// Overwrite the GPS directory of a TIFF (Exif) structure with zeros, its values too, and
/// leave an empty directory behind. Offsets outside `tiff` are left alone. Whether
/// anything changed.
pub fn strip_gps(tiff: &mut [u8]) -> bool {
    let big = match tiff.get(0..2) {
        Some(b"MM") => true,
        Some(b"II") => false,
        _ => return false,
    };
    let u16_at = |b: &[u8], at: usize| -> Option<usize> {
        let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(usize::from(if big {
            u16::from_be_bytes(s)
        } else {
            u16::from_le_bytes(s)
        }))
    };
    let u32_at = |b: &[u8], at: usize| -> Option<usize> {
        let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        usize::try_from(if big {
            u32::from_be_bytes(s)
        } else {
            u32::from_le_bytes(s)
        })
        .ok()
    };
    let Some(ifd0) = u32_at(tiff, 4) else {
        return false;
    };
    let Some(count) = u16_at(tiff, ifd0) else {
        return false;
    };
    let mut gps = None;
    for i in 0..count.min(512) {
        let entry = ifd0 + 2 + i * 12;
        if u16_at(tiff, entry) == Some(0x8825) {
            gps = u32_at(tiff, entry + 8);
        }
    }
    let Some(gps) = gps else {
        return false;
    };
    let Some(n) = u16_at(tiff, gps) else {
        return false;
    };
    let mut changed = false;
    for i in 0..n.min(512) {
        let entry = gps + 2 + i * 12;
        let (Some(kind), Some(items)) = (u16_at(tiff, entry + 2), u32_at(tiff, entry + 4)) else {
            break;
        };
        let unit = match kind {
            1 | 2 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 | 11 => 4,
            5 | 10 | 12 => 8,
            _ => 0,
        };
        let size = unit * items;
        if size > 4
            && let Some(at) = u32_at(tiff, entry + 8)
            && let Some(value) = tiff.get_mut(at..at.saturating_add(size))
        {
            value.fill(0);
        }
        if let Some(e) = tiff.get_mut(entry..entry + 12) {
            e.fill(0);
            changed = true;
        }
    }
    if let Some(c) = tiff.get_mut(gps..gps + 2) {
        changed |= c != [0, 0];
        c.fill(0);
    }
    changed
}

#[cfg(test)]
mod tests;
