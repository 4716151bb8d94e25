package mapimport

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// decodeText turns the bytes of a CSV file into text: it drops a UTF-8
// byte-order mark, refuses binary data and spreadsheet workbooks, and reads
// a file that is not UTF-8 as Windows-1252, the encoding Excel's plain
// "CSV" format uses on Norwegian Windows. ok is false when the file was
// rejected (the reason is in rep).
func decodeText(b []byte, rep *Report) (text string, ok bool) {
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	switch {
	case bytes.HasPrefix(b, []byte("PK\x03\x04")), bytes.HasPrefix(b, []byte("\xD0\xCF\x11\xE0")):
		rep.reject("file", "is a spreadsheet workbook (.xlsx or .xls), not CSV; in Excel use Save As, \"CSV UTF-8\"")
		return "", false
	case bytes.HasPrefix(b, []byte("\xFF\xFE")), bytes.HasPrefix(b, []byte("\xFE\xFF")):
		rep.reject("file", "is UTF-16 text; save it as \"CSV UTF-8\"")
		return "", false
	}
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			rep.reject("file", "holds binary data (control characters), not CSV text; save the form as \"CSV UTF-8\"")
			return "", false
		}
	}
	if utf8.Valid(b) {
		return string(b), true
	}
	var s strings.Builder
	s.Grow(len(b) + len(b)/4)
	for _, c := range b {
		switch {
		case c < 0x80:
			s.WriteByte(c)
		case c < 0xA0:
			r := cp1252[c-0x80]
			if r == 0 {
				rep.reject("file", "is neither UTF-8 nor Windows-1252 text; save the form as \"CSV UTF-8\"")
				return "", false
			}
			s.WriteRune(r)
		default:
			s.WriteRune(rune(c))
		}
	}
	rep.add(Line{Where: "file", Problem: "is not UTF-8; read as Windows-1252 (Excel's plain \"CSV\" on Norwegian Windows)"})
	return s.String(), true
}

// cp1252 maps the bytes 0x80 to 0x9F of Windows-1252 to runes; 0 marks the
// five undefined bytes. The other bytes above 0x7F are Latin-1.
var cp1252 = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

// formulaLike reports whether s begins like a spreadsheet formula (=, @,
// or + or - followed by something other than a digit or a space). Such a
// value is kept as plain text and never evaluated; the report says so,
// because a spreadsheet that opens an export of it might.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '@':
		return true
	case '+', '-':
		return len(s) > 1 && s[1] != ' ' && (s[1] < '0' || s[1] > '9')
	}
	return false
}
