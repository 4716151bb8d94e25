package draw

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"io"
	"regexp"
	"strconv"
	"testing"
	"unicode/utf16"
)

// A minimal PDF reader for the tests: enough of the format to check that
// a file's cross-reference table is right, to count its pages and fonts,
// and to take the text out of its content streams (fpdf writes UTF-8
// text as two-byte codes equal to the UTF-16 code units, with an identity
// ToUnicode map, which is what makes it extractable).

type pdfDoc struct {
	pages int
	fonts []string // BaseFont of every embedded TrueType font
	text  []string // every string shown, in order
}

func readPDF(t *testing.T, b []byte) pdfDoc {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) {
		t.Fatalf("not a PDF: starts %q", b[:min(len(b), 8)])
	}
	if err := checkXref(b); err != nil {
		t.Fatal(err)
	}
	var d pdfDoc
	d.pages = len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(b, -1))
	for _, m := range regexp.MustCompile(`/FontName /(\S+)`).FindAllSubmatch(b, -1) {
		d.fonts = append(d.fonts, string(m[1]))
	}
	if n := bytes.Count(b, []byte("/FontFile2")); n != len(d.fonts) {
		t.Errorf("%d font descriptors, %d embedded font files", len(d.fonts), n)
	}
	var err error
	if d.text, err = pdfText(b); err != nil {
		t.Fatal(err)
	}
	return d
}

// checkXref checks that the file ends with startxref and %%EOF, and that
// every object the cross-reference table lists starts where it says.
func checkXref(b []byte) error {
	m := regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`).FindSubmatch(b)
	if m == nil {
		return fmt.Errorf("no startxref … %%%%EOF at the end")
	}
	off, _ := strconv.Atoi(string(m[1]))
	if off >= len(b) || !bytes.HasPrefix(b[off:], []byte("xref")) {
		return fmt.Errorf("startxref %d does not point at xref", off)
	}
	sec := regexp.MustCompile(`^xref\s+(\d+) (\d+)\s+`).FindSubmatch(b[off:])
	if sec == nil {
		return fmt.Errorf("no xref subsection at %d", off)
	}
	first, _ := strconv.Atoi(string(sec[1]))
	count, _ := strconv.Atoi(string(sec[2]))
	entries := b[off+len(sec[0]):]
	for i := range count {
		if len(entries) < 20*(i+1) {
			return fmt.Errorf("xref: %d entries, the table ends at %d", count, i)
		}
		e := entries[20*i : 20*i+20]
		if e[17] != 'n' {
			continue
		}
		at, err := strconv.Atoi(string(e[:10]))
		if err != nil {
			return fmt.Errorf("xref entry %d: %q", first+i, e)
		}
		want := fmt.Sprintf("%d 0 obj", first+i)
		if at >= len(b) || !bytes.HasPrefix(b[at:], []byte(want)) {
			return fmt.Errorf("xref: object %d is not at %d", first+i, at)
		}
	}
	return nil
}

// pdfText returns the strings of every Tj in the file's content streams.
func pdfText(b []byte) ([]string, error) {
	var out []string
	streams := regexp.MustCompile(`(?s)<<([^>]*?)>>\s*stream\r?\n(.*?)\r?\nendstream`).FindAllSubmatch(b, -1)
	for _, s := range streams {
		data := s[2]
		if bytes.Contains(s[1], []byte("/FlateDecode")) {
			r, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, fmt.Errorf("stream: %w", err)
			}
			if data, err = io.ReadAll(r); err != nil {
				return nil, fmt.Errorf("stream: %w", err)
			}
		}
		if !bytes.Contains(data, []byte(" Tj")) {
			continue
		}
		for i := 0; i < len(data); i++ {
			if data[i] != '(' {
				continue
			}
			str, end := literal(data, i)
			if end < 0 {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			i = end
			if !bytes.HasPrefix(bytes.TrimLeft(data[end+1:], " "), []byte("Tj")) {
				continue
			}
			if len(str)%2 != 0 {
				return nil, fmt.Errorf("odd-length text string %q", str)
			}
			u := make([]uint16, len(str)/2)
			for j := range u {
				u[j] = uint16(str[2*j])<<8 | uint16(str[2*j+1])
			}
			out = append(out, string(utf16.Decode(u)))
		}
	}
	return out, nil
}

// literal reads the PDF literal string starting at data[i] == '(' and
// returns its bytes and the index of its closing parenthesis (-1 if none).
func literal(data []byte, i int) ([]byte, int) {
	var s []byte
	depth := 0
	for j := i; j < len(data); j++ {
		c := data[j]
		switch {
		case c == '\\' && j+1 < len(data):
			j++
			switch e := data[j]; e {
			case 'n':
				s = append(s, '\n')
			case 'r':
				s = append(s, '\r')
			case 't':
				s = append(s, '\t')
			case 'b':
				s = append(s, '\b')
			case 'f':
				s = append(s, '\f')
			case '\n':
			default:
				if e >= '0' && e <= '7' {
					v, k := 0, 0
					for ; k < 3 && j+k < len(data) && data[j+k] >= '0' && data[j+k] <= '7'; k++ {
						v = v*8 + int(data[j+k]-'0')
					}
					s = append(s, byte(v))
					j += k - 1
				} else {
					s = append(s, e)
				}
			}
		case c == '(':
			if depth > 0 {
				s = append(s, c)
			}
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return s, j
			}
			s = append(s, c)
		default:
			s = append(s, c)
		}
	}
	return nil, -1
}

// ink is the share of pixels in r that are not near white.
func ink(img image.Image, r image.Rectangle) float64 {
	r = r.Intersect(img.Bounds())
	if r.Empty() {
		return 0
	}
	dark := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, ca := img.At(x, y).RGBA()
			if ca > 0x8000 && (cr+cg+cb)/3 < 0xd000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(r.Dx()*r.Dy())
}
