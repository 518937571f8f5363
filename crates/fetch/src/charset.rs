//! Decoding a page to text: the charset from `Content-Type`, else a byte-order mark, else a
//! `<meta charset>` / `<meta http-equiv="Content-Type">` in the first 1024 bytes (the HTML
//! prescan's window), else UTF-8. Arabic shops still serve windows-1256 and ISO-8859-6 pages;
//! read as UTF-8 their "ر.س" would become replacement characters and the price would be lost.

use encoding_rs::Encoding;

fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches(['"', '\'']))
    })
}

/// The charset a `<meta>` tag in the page's first 1024 bytes declares.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let text = String::from_utf8_lossy(&head[..head.len().min(1024)]).to_ascii_lowercase();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("<meta") {
        rest = &rest[i + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if let Some(j) = tag.find("charset") {
            let value = tag[j + "charset".len()..].trim_start().strip_prefix('=')?.trim_start();
            let value = value.trim_start_matches(['"', '\'']);
            let end = value
                .find(|c: char| c == '"' || c == '\'' || c == ';' || c == '/' || c.is_whitespace())
                .unwrap_or(value.len());
            if let Some(e) = Encoding::for_label(&value.as_bytes()[..end]) {
                // A page that says UTF-16 in ASCII-compatible bytes is not UTF-16 (WHATWG rule).
                return Some(if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE {
                    encoding_rs::UTF_8
                } else {
                    e
                });
            }
        }
    }
    None
}

/// Decodes `body`; undecodable bytes become U+FFFD, never an error.
pub(crate) fn decode(body: &[u8], content_type: Option<&str>) -> String {
    let declared = content_type.and_then(charset_param).and_then(|l| Encoding::for_label(l.as_bytes()));
    let encoding = match Encoding::for_bom(body) {
        Some((bom, _)) => bom,
        None => declared.or_else(|| meta_charset(body)).unwrap_or(encoding_rs::UTF_8),
    };
    // `decode` strips a BOM of the same encoding.
    encoding.decode(body).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOWS_1256_PRICE: &[u8] = &[0x31, 0x32, 0x30, 0x20, 0xd1, 0x2e, 0xd3]; // "120 ر.س"

    #[test]
    fn arabic_legacy_charsets_are_read() {
        assert_eq!(decode(WINDOWS_1256_PRICE, Some("text/html; charset=windows-1256")), "120 ر.س");
        let mut page = b"<html><head><meta charset=\"windows-1256\"></head><body>".to_vec();
        page.extend_from_slice(WINDOWS_1256_PRICE);
        assert!(decode(&page, Some("text/html")).contains("120 ر.س"));
        let mut page = b"<meta http-equiv='Content-Type' content='text/html; charset=ISO-8859-6'>".to_vec();
        page.extend_from_slice(&[0xd1, 0x2e, 0xd3]);
        assert!(decode(&page, None).ends_with("ر.س"));
    }

    #[test]
    fn header_beats_meta_and_bom_beats_both() {
        let page = "<meta charset=windows-1256>ر.س".as_bytes();
        assert!(decode(page, Some("text/html; charset=\"UTF-8\"")).ends_with("ر.س"));
        let mut bom = vec![0xef, 0xbb, 0xbf];
        bom.extend_from_slice("ر.س".as_bytes());
        assert_eq!(decode(&bom, Some("text/html; charset=windows-1256")), "ر.س");
        assert_eq!(decode("ر.س".as_bytes(), None), "ر.س", "UTF-8 by default");
        assert_eq!(decode(b"<meta charset=utf-16>x", None), "<meta charset=utf-16>x");
        assert_eq!(decode(&[0xff, 0x41], Some("text/html")), "\u{fffd}A");
    }
}
