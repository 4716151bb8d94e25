package render

import (
	"strings"
	"unicode/utf8"
)

// The layout estimates text with Helvetica's metrics (Adobe's AFM widths,
// in thousandths of an em), a little wider than Graphviz's own estimate
// (which gives every non-ASCII letter the width of an average one and
// ignores bold in HTML labels) and than the real font, so that a node
// sized by these numbers holds its label whatever draws it.

// safety widens every estimate.
const safety = 1.08

// lineHeight is the height of a line of text of a size, as Graphviz
// spaces lines.
func lineHeight(size float64) float64 { return 1.2 * size }

// helvetica returns the AFM widths of the printable ASCII characters
// (U+0020–U+007E), regular or bold.
func helvetica(bold bool) [95]uint16 {
	if bold {
		return [95]uint16{
			278, 333, 474, 556, 556, 889, 722, 278, 333, 333, 389, 584, 278, 333, 278, 278,
			556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
			975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
			667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
			333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
			611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
		}
	}
	return [95]uint16{
		278, 278, 355, 556, 556, 889, 667, 222, 333, 333, 389, 584, 278, 333, 278, 278,
		556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
		1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
		667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
		333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
		556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
	}
}

// latinBase maps the accented letters of Latin-1 to the ASCII letter
// whose width they have; the others (Æ, Ø, ß …) have their own width in
// runeWidth.
func latinBase(r rune) rune {
	const upper = "AAAAAA" + "_" + "CEEEEIIIIDNOOOOO" + "_" + "_UUUUYP" + "_"
	const lower = "aaaaaa" + "_" + "ceeeeiiiidnooooo" + "_" + "_uuuuyby"
	switch {
	case r >= 'À' && r <= 'ß':
		if b := upper[r-'À']; b != '_' {
			return rune(b)
		}
	case r >= 'à' && r <= 'ÿ':
		if b := lower[r-'à']; b != '_' {
			return rune(b)
		}
	}
	return 0
}

// runeWidth returns the width of r in thousandths of an em, ASCII from
// the table of helvetica.
func runeWidth(r rune, ascii *[95]uint16) float64 {
	if r >= 0x20 && r <= 0x7e {
		return float64(ascii[r-0x20])
	}
	switch r {
	case 'Æ', 'Œ', '—':
		return 1000
	case 'æ', 'œ':
		return 889
	case 'Ø':
		return 778
	case 'ø', 'ß':
		return 611
	case '×', '÷', '≈', '→', '−':
		return 584
	case '–', '«', '»', '€':
		return 556
	case '·', '\u00a0', '’', '‘':
		return 278
	case '°':
		return 400
	case '…':
		return 1000
	}
	if b := latinBase(r); b != 0 {
		return float64(ascii[b-0x20])
	}
	return 1000 // anything else: as wide as an em, the widest there is
}

// textWidth estimates the width in points of one line of s at a font
// size.
func textWidth(s string, size float64, bold bool) float64 {
	ascii := helvetica(bold)
	w := 0.0
	for _, r := range s {
		w += runeWidth(r, &ascii)
	}
	return w * size / 1000 * safety
}

// wrap breaks s into lines no wider than max points at a size, at spaces;
// a single word may take up to half as much again before it is broken
// (with a hyphen). It returns at most maxLines lines, the last ending in
// "…" when text was left out.
func wrap(s string, size float64, bold bool, max float64, maxLines int) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		try := word
		if cur != "" {
			try = cur + " " + word
		}
		if textWidth(try, size, bold) <= max {
			cur = try
			continue
		}
		if cur != "" {
			lines = append(lines, cur)
		}
		if textWidth(word, size, bold) > 1.5*max {
			for textWidth(word, size, bold) > max {
				cut := fit(word, size, bold, max-textWidth("-", size, bold))
				lines = append(lines, word[:cut]+"-")
				word = word[cut:]
			}
		}
		cur = word
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > maxLines {
		lines = lines[:maxLines]
		last := lines[maxLines-1]
		for last != "" && textWidth(last+"…", size, bold) > max {
			_, n := utf8.DecodeLastRuneInString(last)
			last = last[:len(last)-n]
		}
		lines[maxLines-1] = strings.TrimRight(last, " ") + "…"
	}
	return lines
}

// fit returns how many bytes of word fit in max points (at least one
// rune).
func fit(word string, size float64, bold bool, max float64) int {
	ascii := helvetica(bold)
	w, end := 0.0, 0
	for i, r := range word {
		w += runeWidth(r, &ascii) * size / 1000 * safety
		if w > max && i > 0 {
			return i
		}
		end = i + utf8.RuneLen(r)
	}
	return end
}
