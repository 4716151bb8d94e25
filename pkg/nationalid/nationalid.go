package nationalid

import (
	"errors"
	"strconv"
)

// Kind names the numbering scheme of a detected number.
type Kind string

// The kinds Find reports.
const (
	// NorwegianBirthNumber is a Norwegian fødselsnummer, including H-numbers
	// (month+40, also used by NAV's synthetic test numbers) and Skatteetaten's
	// synthetic Tenor test numbers (month+80).
	NorwegianBirthNumber Kind = "Norwegian fødselsnummer"
	// NorwegianDNumber is a Norwegian D-number (day+40), including synthetic
	// D-numbers (day+40 combined with month+40 or month+80).
	NorwegianDNumber Kind = "Norwegian D-number"
	// SwedishPersonnummer is a Swedish personnummer, including
	// samordningsnummer (day+60).
	SwedishPersonnummer Kind = "Swedish personnummer"
	// DanishCPR is a Danish CPR number that satisfies the old modulus-11 rule.
	DanishCPR Kind = "Danish CPR number"
)

// Match is one detected number. It never carries the digits themselves, so
// it is safe to log.
type Match struct {
	Kind       Kind
	Start, End int // byte offsets in the input: the number is s[Start:End]
}

// ErrNationalID is wrapped by every *Error, so errors.Is(err, ErrNationalID)
// tells whether Check rejected a value.
var ErrNationalID = errors.New("national identity number in input")

// Error is returned by Check. Its message names the field and the kind of
// number but never the number itself.
type Error struct {
	Field string
	Kind  Kind
}

func (e *Error) Error() string {
	subject := "input"
	if e.Field != "" {
		subject = "field " + strconv.Quote(e.Field)
	}
	return subject + " looks like a " + string(e.Kind) +
		"; national identity numbers must not be stored — use the pseudonymous id"
}

// Unwrap returns ErrNationalID.
func (e *Error) Unwrap() error { return ErrNationalID }

// Check returns an *Error wrapping ErrNationalID, naming field, if value
// contains a checksum-valid national identity number, and nil otherwise.
func Check(field, value string) error {
	if m, ok := Contains(value); ok {
		return &Error{Field: field, Kind: m.Kind}
	}
	return nil
}

// Find returns every checksum-valid national identity number in s, in
// order. It returns nil, without allocating, when there is none.
func Find(s string) []Match {
	var out []Match
	for i := 0; ; {
		m, next, ok := scan(s, i)
		if !ok {
			return out
		}
		out = append(out, m)
		i = next
	}
}

// Contains reports whether s holds at least one checksum-valid national
// identity number, and returns the first. It never allocates.
func Contains(s string) (Match, bool) {
	m, _, ok := scan(s, 0)
	return m, ok
}

// minCandidate is the length of the shortest candidate (10 digits).
const minCandidate = 10

// scan returns the first match in s at or after byte i (which must not be
// inside a digit run) and the offset to continue scanning from.
func scan(s string, i int) (Match, int, bool) {
	n := len(s)
	if n-i < minCandidate {
		return Match{}, n, false
	}
	for i < n {
		if !isDigit(s[i]) {
			i++
			continue
		}
		start := i
		for i < n && isDigit(s[i]) {
			i++
		}
		switch l := i - start; l {
		case 10, 11, 12:
			if phonePrefixed(s, start) {
				continue
			}
			var d digits
			load(&d, s[start:i], 0)
			if k, ok := classify(&d, l, 0); ok {
				return Match{Kind: k, Start: start, End: i}, i, true
			}
		case 6, 8:
			sep, w := separatorAt(s, i)
			if w == 0 {
				continue
			}
			j := i + w
			e := j
			for e < n && isDigit(s[e]) && e-j < 6 { // 6 digits tell "longer than 5"
				e++
			}
			l2 := e - j
			// 6+5 (Norwegian), 6+4 (Swedish, Danish), 8+4 (Swedish long); not 8+5.
			if (l2 != 4 && l2 != 5) || l+l2 > 12 || phonePrefixed(s, start) {
				continue // i stays at the end of the first group
			}
			var d digits
			load(&d, s[start:i], 0)
			load(&d, s[j:e], l)
			if k, ok := classify(&d, l+l2, sep); ok {
				return Match{Kind: k, Start: start, End: e}, e, true
			}
		}
	}
	return Match{}, n, false
}

// validate reports whether t, in its entirety, is one of the accepted written
// forms of a checksum-valid number, and of which kind. It ignores the context
// rules (the '+' and country-code prefixes) that only the surrounding text can
// decide. Find's matches always satisfy it.
func validate(t string) (Kind, bool) {
	l := 0
	for l < len(t) && isDigit(t[l]) {
		l++
	}
	var d digits
	if l == len(t) {
		if l < 10 || l > 12 {
			return "", false
		}
		load(&d, t, 0)
		return classify(&d, l, 0)
	}
	if l != 6 && l != 8 {
		return "", false
	}
	sep, w := separatorAt(t, l)
	if w == 0 {
		return "", false
	}
	rest := t[l+w:]
	if (len(rest) != 4 && len(rest) != 5) || l+len(rest) > 12 {
		return "", false
	}
	for i := 0; i < len(rest); i++ {
		if !isDigit(rest[i]) {
			return "", false
		}
	}
	load(&d, t[:l], 0)
	load(&d, rest, l)
	return classify(&d, l+len(rest), sep)
}

// digits holds the digit values of a candidate, at most 12.
type digits [12]byte

func load(d *digits, s string, at int) {
	for k := 0; k < len(s); k++ {
		d[at+k] = s[k] - '0'
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// separatorAt returns the separator at s[i] normalised to one byte ('-',
// '+' or ' ', with U+00A0 NO-BREAK SPACE read as ' ') and its width in bytes,
// or width 0 if there is none.
func separatorAt(s string, i int) (byte, int) {
	if i >= len(s) {
		return 0, 0
	}
	switch c := s[i]; c {
	case '-', '+', ' ':
		return c, 1
	case 0xC2:
		if i+1 < len(s) && s[i+1] == 0xA0 {
			return ' ', 2
		}
	}
	return 0, 0
}

// phonePrefixed reports whether the digit run starting at s[start] is the
// subscriber part of an international phone number: directly preceded by '+'
// ("+4722334455"), or by a country code and one space ("+47 …", "0047 …").
func phonePrefixed(s string, start int) bool {
	if start == 0 {
		return false
	}
	if s[start-1] == '+' {
		return true
	}
	p := start - 1 // p: first byte of the space before the run
	switch {
	case s[p] == ' ':
	case p >= 1 && s[p-1] == 0xC2 && s[p] == 0xA0:
		p--
	default:
		return false
	}
	b := p
	for b > 0 && isDigit(s[b-1]) && p-b < 6 {
		b--
	}
	w := p - b
	if w == 0 || (b > 0 && isDigit(s[b-1])) {
		return false
	}
	if w <= 3 && b > 0 && s[b-1] == '+' {
		return true // "+47 "
	}
	return w >= 3 && w <= 5 && s[b] == '0' && s[b+1] == '0' && s[b+2] != '0' // "0047 "
}

// classify checks the n digits in d, written with separator sep (0 when
// contiguous), against the schemes whose written forms allow that length and
// separator.
func classify(d *digits, n int, sep byte) (Kind, bool) {
	switch n {
	case 11:
		if sep == 0 || sep == ' ' || sep == '-' {
			return norwegian(d)
		}
	case 10:
		if sep == 0 && d[0] == 0 && d[1] == 7 {
			switch d[2] {
			case 0, 2, 3, 6, 9: // Swedish mobile 070, 072, 073, 076, 079
				return "", false
			}
		}
		if swedishShort(d) {
			return SwedishPersonnummer, true
		}
		if danish(d) {
			return DanishCPR, true
		}
	case 12:
		if (sep == 0 || sep == '-') && swedishLong(d) {
			return SwedishPersonnummer, true
		}
	}
	return "", false
}

func two(a, b byte) int { return int(a)*10 + int(b) }

func daysIn(month int, leap bool) int {
	switch month {
	case 2:
		if leap {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func validDate(day, month int, leap bool) bool {
	return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(month, leap)
}

// leapYY reports whether a two-digit year is a leap year in some century
// (1800, 1900 or 2000): "00" counts, because 2000 was one.
func leapYY(yy int) bool { return yy%4 == 0 }

// norwegian checks DDMMYYIIIKK with the classic two modulus-11 controls.
func norwegian(d *digits) (Kind, bool) {
	kind := NorwegianBirthNumber
	day, month := two(d[0], d[1]), two(d[2], d[3])
	if day > 40 {
		day -= 40
		kind = NorwegianDNumber
	}
	switch {
	case month > 80:
		month -= 80
	case month > 40:
		month -= 40
	}
	if !validDate(day, month, leapYY(two(d[4], d[5]))) {
		return "", false
	}
	s1 := 3*int(d[0]) + 7*int(d[1]) + 6*int(d[2]) + 1*int(d[3]) + 8*int(d[4]) +
		9*int(d[5]) + 4*int(d[6]) + 5*int(d[7]) + 2*int(d[8])
	if control(s1) != int(d[9]) {
		return "", false
	}
	s2 := 5*int(d[0]) + 4*int(d[1]) + 3*int(d[2]) + 2*int(d[3]) + 7*int(d[4]) +
		6*int(d[5]) + 5*int(d[6]) + 4*int(d[7]) + 3*int(d[8]) + 2*int(d[9])
	if control(s2) != int(d[10]) {
		return "", false
	}
	return kind, true
}

// control is the modulus-11 control digit for weighted sum s, or -1 when the
// remainder is 1 (no valid control digit exists).
func control(s int) int {
	switch r := s % 11; r {
	case 0:
		return 0
	case 1:
		return -1
	default:
		return 11 - r
	}
}

// swedishShort checks YYMMDDNNNC (day+60 for samordningsnummer) with Luhn.
func swedishShort(d *digits) bool {
	day := two(d[4], d[5])
	if day > 60 {
		day -= 60
	}
	return validDate(day, two(d[2], d[3]), leapYY(two(d[0], d[1]))) && luhn10(d[0:10])
}

// swedishLong checks YYYYMMDDNNNC (century 18, 19 or 20) with Luhn on the
// last ten digits.
func swedishLong(d *digits) bool {
	century := two(d[0], d[1])
	if century < 18 || century > 20 {
		return false
	}
	year := century*100 + two(d[2], d[3])
	leap := year%4 == 0 && (year%100 != 0 || year%400 == 0)
	day := two(d[6], d[7])
	if day > 60 {
		day -= 60
	}
	return validDate(day, two(d[4], d[5]), leap) && luhn10(d[2:12])
}

// luhn10 checks ten digits with the Luhn algorithm, doubling the first.
func luhn10(d []byte) bool {
	sum := 0
	for i := 0; i < 10; i++ {
		v := int(d[i])
		if i%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// danish checks DDMMYYSSSS: a real date and the old modulus-11 rule.
func danish(d *digits) bool {
	if !validDate(two(d[0], d[1]), two(d[2], d[3]), leapYY(two(d[4], d[5]))) {
		return false
	}
	s := 4*int(d[0]) + 3*int(d[1]) + 2*int(d[2]) + 7*int(d[3]) + 6*int(d[4]) +
		5*int(d[5]) + 4*int(d[6]) + 3*int(d[7]) + 2*int(d[8]) + 1*int(d[9])
	return s%11 == 0
}

// Mask returns s with the digits of every national identity number in it
// replaced by '*', so that text around a refused number can be shown or
// logged.
func Mask(s string) string {
	ms := Find(s)
	if ms == nil {
		return s
	}
	b := []byte(s)
	for _, m := range ms {
		for i := m.Start; i < m.End; i++ {
			if b[i] >= '0' && b[i] <= '9' {
				b[i] = '*'
			}
		}
	}
	return string(b)
}

// Clean returns the first of gen(0), gen(1), … that holds no national
// identity number. Machine-made ids go through it: a random or derived
// UUID can, rarely, contain a digit run that passes a checksum, and the
// guard that refuses such input would then refuse Samspill's own ids.
func Clean(gen func(attempt int) string) string {
	for i := 0; ; i++ {
		if s := gen(i); Find(s) == nil {
			return s
		}
	}
}
