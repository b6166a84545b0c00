use super::*;
use crate::domain::{FieldError, FieldSpec};

/// A TIFF (Exif) structure, little- or big-endian, whose IFD0 points at a GPS directory
/// with latitude and longitude (rationals, stored outside the entries).
pub(crate) fn tiff_with_gps(big: bool) -> Vec<u8> {
    let w16 = |v: u16| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let w32 = |v: u32| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut t = Vec::new();
    t.extend_from_slice(if big { b"MM" } else { b"II" });
    t.extend_from_slice(&w16(42));
    t.extend_from_slice(&w32(8));
    // IFD0 at 8: two entries (Orientation, GPS pointer), next IFD 0.
    t.extend_from_slice(&w16(2));
    t.extend_from_slice(&w16(0x0112));
    t.extend_from_slice(&w16(3));
    t.extend_from_slice(&w32(1));
    t.extend_from_slice(&w16(6));
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&w16(0x8825));
    t.extend_from_slice(&w16(4));
    t.extend_from_slice(&w32(1));
    t.extend_from_slice(&w32(38)); // GPS IFD at 38
    t.extend_from_slice(&w32(0));
    assert_eq!(t.len(), 38);
    // GPS IFD: LatitudeRef 'N', Latitude 3 rationals at 80, LongitudeRef 'E', Longitude at 104.
    t.extend_from_slice(&w16(4));
    for (tag, kind, count, value) in [
        (1u16, 2u16, 2u32, u32::from_be_bytes(*b"N\0\0\0")),
        (2, 5, 3, 92),
        (3, 2, 2, u32::from_be_bytes(*b"E\0\0\0")),
        (4, 5, 3, 116),
    ] {
        t.extend_from_slice(&w16(tag));
        t.extend_from_slice(&w16(kind));
        t.extend_from_slice(&w32(count));
        if kind == 2 {
            t.extend_from_slice(&value.to_be_bytes());
        } else {
            t.extend_from_slice(&w32(value));
        }
    }
    t.extend_from_slice(&w32(0));
    assert_eq!(t.len(), 92);
    for v in [56u32, 1, 57, 1, 1234, 100, 24, 1, 6, 1, 4321, 100] {
        t.extend_from_slice(&w32(v));
    }
    t
}

/// A JPEG (not a decodable picture: the server never decodes) with an Exif segment
/// holding a GPS position, an XMP packet with one too, and some "image data".
pub(crate) fn jpeg_with_gps() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(tiff_with_gps(true));
    j.extend_from_slice(&[0xFF, 0xE1]);
    j.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    j.extend(exif);
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><exif:GPSLatitude>56,57.12N</exif:GPSLatitude></x:xmpmeta>";
    j.extend_from_slice(&[0xFF, 0xE1]);
    j.extend_from_slice(&((xmp.len() + 2) as u16).to_be_bytes());
    j.extend_from_slice(xmp);
    j.extend_from_slice(&[0xFF, 0xDA, 0, 2]);
    j.extend((0..5000u32).map(|i| (i * 7 % 251) as u8));
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

fn scrub_in_pieces(kind: FileKind, data: &[u8], piece: usize) -> (Vec<u8>, bool) {
    let mut s = Scrubber::new(kind);
    let mut out = Vec::new();
    for c in data.chunks(piece.max(1)) {
        s.push(c, &mut out);
    }
    s.finish(&mut out);
    (out, s.changed())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn kinds_come_from_the_bytes() {
    assert_eq!(sniff(b"%PDF-1.7\n..."), Some(FileKind::Pdf));
    assert_eq!(sniff(&jpeg_with_gps()), Some(FileKind::Jpeg));
    assert_eq!(
        sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]),
        Some(FileKind::Png)
    );
    let mut heic = vec![0, 0, 0, 24];
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    assert_eq!(sniff(&heic), Some(FileKind::Heic));
    let mut avif = vec![0, 0, 0, 20];
    avif.extend_from_slice(b"ftypavif\0\0\0\0avif");
    assert_eq!(sniff(&avif), None);
    assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), None);
    assert_eq!(sniff(b"<svg xmlns="), None);
    assert_eq!(sniff(b"<!DOCTYPE html>"), None);
    assert_eq!(sniff(b""), None);
}

fn zip_with_first(name: &[u8], content: &[u8]) -> Vec<u8> {
    let mut z = b"PK\x03\x04".to_vec();
    z.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, stored, time, date, crc
    z.extend_from_slice(&(content.len() as u32).to_le_bytes());
    z.extend_from_slice(&(content.len() as u32).to_le_bytes());
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(name);
    z.extend_from_slice(content);
    z
}

#[test]
fn containers_are_told_apart_by_their_contents() {
    assert_eq!(
        sniff(&zip_with_first(
            b"mimetype",
            b"application/vnd.etsi.asic-e+zip"
        )),
        Some(FileKind::Asice)
    );
    assert_eq!(
        sniff(&zip_with_first(
            b"mimetype",
            b"application/vnd.oasis.opendocument.text"
        )),
        Some(FileKind::Odt)
    );
    let mut docx = zip_with_first(b"[Content_Types].xml", b"<Types/>");
    docx.extend(zip_with_first(b"word/document.xml", b"<w:document/>"));
    assert_eq!(sniff(&docx), Some(FileKind::Docx));
    // A spreadsheet, or any other ZIP, is not taken.
    let mut xlsx = zip_with_first(b"[Content_Types].xml", b"<Types/>");
    xlsx.extend(zip_with_first(b"xl/workbook.xml", b"<workbook/>"));
    assert_eq!(sniff(&xlsx), None);
    assert_eq!(sniff(&zip_with_first(b"evil.exe", b"MZ")), None);
}

#[test]
fn the_name_cannot_vouch_for_the_content() {
    let all = FileKind::ALL;
    // A program renamed to .pdf.
    assert_eq!(
        check("izziņa.pdf", b"MZ\x90\0", &all),
        Err(FileProblem::Mismatch {
            claimed: FileKind::Pdf
        })
    );
    // A PDF named as a Word document.
    assert_eq!(
        check("a.docx", b"%PDF-1.4", &all),
        Err(FileProblem::Mismatch {
            claimed: FileKind::Docx
        })
    );
    // A PDF where the field takes photos only.
    assert_eq!(
        check("a.pdf", b"%PDF-1.4", &[FileKind::Jpeg]),
        Err(FileProblem::NotAccepted)
    );
    // Unknown endings and no ending are judged by content alone.
    assert_eq!(check("scan", b"%PDF-1.4", &all), Ok(FileKind::Pdf));
    assert_eq!(
        check("a.txt", b"hello", &all),
        Err(FileProblem::NotAccepted)
    );
    // A phone's HEIC photo called .jpg is a photo all the same.
    let mut heic = vec![0, 0, 0, 16];
    heic.extend_from_slice(b"ftypheic\0\0\0\0");
    assert_eq!(check("IMG_1.JPG", &heic, &all), Ok(FileKind::Heic));
}

#[test]
fn names_are_made_safe() {
    assert_eq!(safe_name("../../etc/passwd", FileKind::Pdf), "passwd.pdf");
    assert_eq!(
        safe_name("C:\\Users\\a\\plāns.PDF", FileKind::Pdf),
        "plāns.PDF"
    );
    assert_eq!(safe_name("<script>.pdf", FileKind::Pdf), "_script_.pdf");
    // Right-to-left override hiding ".exe".
    assert_eq!(
        safe_name("photo\u{202E}gpj.exe", FileKind::Jpeg),
        "photogpj.exe.jpg"
    );
    assert_eq!(safe_name(".htaccess", FileKind::Png), "htaccess.png");
    assert_eq!(safe_name("", FileKind::Odt), "file.odt");
    assert_eq!(safe_name("a\nb\0.pdf", FileKind::Pdf), "a_b_.pdf");
    let long = "ā".repeat(500) + ".pdf";
    let s = safe_name(&long, FileKind::Pdf);
    assert_eq!(s.chars().count(), MAX_NAME_CHARS);
    assert!(s.ends_with(".pdf"));
    assert_eq!(safe_name("x.jpeg", FileKind::Jpeg), "x.jpeg");
    assert_eq!(safe_name("x.heic", FileKind::Jpeg), "x.heic.jpg");
}

#[test]
fn gps_leaves_a_jpeg_whatever_the_chunking() {
    let original = jpeg_with_gps();
    let (whole, changed) = scrub_in_pieces(FileKind::Jpeg, &original, original.len());
    assert!(changed);
    assert_eq!(
        whole.len(),
        original.len(),
        "same length: offsets stay valid"
    );
    // The latitude's degrees (56) and the XMP's text are gone; orientation stays.
    assert!(!contains(&whole, b"56,57.12N"));
    let tiff_at = 4 + 2 + 6;
    let tiff = &whole[tiff_at..tiff_at + 128];
    assert!(!contains(tiff, &56u32.to_be_bytes()));
    assert!(!contains(tiff, &1234u32.to_be_bytes()));
    assert!(contains(tiff, &[0x01, 0x12, 0, 3]), "orientation kept");
    // The picture data is untouched.
    assert_eq!(
        whole[whole.len() - 3000..],
        original[original.len() - 3000..]
    );
    for piece in [1, 2, 7, 9, 10, 11, 64, 1000] {
        let (out, _) = scrub_in_pieces(FileKind::Jpeg, &original, piece);
        assert_eq!(out, whole, "pieces of {piece}");
    }
    // A second pass finds nothing left.
    let (again, changed) = scrub_in_pieces(FileKind::Jpeg, &whole, 100);
    assert!(!changed);
    assert_eq!(again, whole);
}

#[test]
fn gps_leaves_little_endian_exif_and_heic_items() {
    let mut heic = vec![0, 0, 0, 16];
    heic.extend_from_slice(b"ftypheic\0\0\0\0");
    heic.extend_from_slice(&[0u8; 300]);
    heic.extend_from_slice(&[0, 0, 0, 6]);
    heic.extend_from_slice(b"Exif\0\0");
    heic.extend(tiff_with_gps(false));
    heic.extend_from_slice(&[9u8; 200]);
    let (out, changed) = scrub_in_pieces(FileKind::Heic, &heic, 33);
    assert!(changed);
    assert_eq!(out.len(), heic.len());
    assert!(!contains(&out, &1234u32.to_le_bytes()));
}

#[test]
fn png_loses_exif_and_xmp_chunks() {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[1, 2, 3, 4]);
        c
    };
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend(chunk(b"IHDR", &[0; 13]));
    png.extend(chunk(b"eXIf", &tiff_with_gps(true)));
    png.extend(chunk(
        b"iTXt",
        b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>GPS</x:xmpmeta>",
    ));
    png.extend(chunk(b"tEXt", b"Comment\0hello"));
    png.extend(chunk(b"IDAT", &[7; 100]));
    png.extend(chunk(b"IEND", &[]));
    let mut expected = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    expected.extend(chunk(b"IHDR", &[0; 13]));
    expected.extend(chunk(b"tEXt", b"Comment\0hello"));
    expected.extend(chunk(b"IDAT", &[7; 100]));
    expected.extend(chunk(b"IEND", &[]));
    for piece in [1, 3, 8, 13, 500] {
        let (out, changed) = scrub_in_pieces(FileKind::Png, &png, piece);
        assert!(changed);
        assert_eq!(out, expected, "pieces of {piece}");
    }
}

#[test]
fn other_kinds_pass_unchanged() {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.extend_from_slice(b"Exif\0\0MM\0*junk<x:xmpmeta>x</x:xmpmeta>");
    let (out, changed) = scrub_in_pieces(FileKind::Pdf, &pdf, 5);
    assert_eq!(out, pdf);
    assert!(!changed);
}

#[test]
fn broken_exif_is_left_alone_without_panicking() {
    for cut in 0..tiff_with_gps(true).len() {
        let mut t = tiff_with_gps(true);
        t.truncate(cut);
        let _ = strip_gps(&mut t);
    }
    let mut garbage = b"Exif\0\0MM\0*\xff\xff\xff\xff".to_vec();
    garbage.extend_from_slice(&[0xFF; 40]);
    let (out, _) = scrub_in_pieces(FileKind::Jpeg, &garbage, 3);
    assert_eq!(out.len(), garbage.len());
}

#[test]
fn a_file_field_checks_count_and_sizes() {
    let field = FieldSpec {
        name: "photos".into(),
        kind: crate::domain::FieldType::File,
        required: true,
        max_files: Some(2),
        max_bytes: Some(1000),
        max_total_bytes: Some(1500),
        ..FieldSpec::default()
    };
    assert_eq!(field.check_files(&[]), Err(FieldError::Required));
    assert_eq!(field.check_files(&[10, 20]), Ok(()));
    assert_eq!(
        field.check_files(&[1, 2, 3]),
        Err(FieldError::TooManyFiles { max: 2 })
    );
    assert_eq!(
        field.check_files(&[1001]),
        Err(FieldError::FileTooLarge { max: 1000 })
    );
    assert_eq!(
        field.check_files(&[900, 900]),
        Err(FieldError::FilesTooLarge { max: 1500 })
    );
    assert_eq!(
        FieldSpec {
            accept: vec!["image/jpeg".into(), "image/heif".into()],
            ..field.clone()
        }
        .file_kinds(),
        vec![FileKind::Jpeg, FileKind::Heic]
    );
    assert_eq!(field.file_kinds().len(), FileKind::ALL.len());
}

#[test]
fn bytes_in_words() {
    assert_eq!(human_bytes(999), "999 B");
    assert_eq!(human_bytes(1001), "2 KB");
    assert_eq!(human_bytes(20 * 1024 * 1024), "21 MB");
    assert_eq!(human_bytes(DEFAULT_MAX_FILE_BYTES), "20 MB");
    assert_eq!(human_bytes(2_540_000), "2.5 MB");
}
