package nationalid

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// ---- independent generators and reference checks (they share no code with
// the package, so a bug in one is not mirrored in the other) ----

func digitVals(s string) []int {
	d := make([]int, len(s))
	for i := range s {
		d[i] = int(s[i] - '0')
	}
	return d
}

func weighted(w, d []int) int {
	s := 0
	for i := range w {
		s += w[i] * d[i]
	}
	return s
}

// mod11 returns the modulus-11 control for a weighted sum; 10 means none.
func mod11(sum int) int { return (11 - sum%11) % 11 }

// fnrFrom appends the two Norwegian control digits to nine digits.
func fnrFrom(first9 string) (string, bool) {
	d := digitVals(first9)
	k1 := mod11(weighted([]int{3, 7, 6, 1, 8, 9, 4, 5, 2}, d))
	if k1 == 10 {
		return "", false
	}
	d = append(d, k1)
	k2 := mod11(weighted([]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}, d))
	if k2 == 10 {
		return "", false
	}
	return fmt.Sprintf("%s%d%d", first9, k1, k2), true
}

// makeFnr returns the first fødselsnummer with the given (possibly offset)
// day, month and year whose individual number is ind or greater.
func makeFnr(t testing.TB, day, month, yy, ind int) string {
	t.Helper()
	for i := ind; i < 1000; i++ {
		if s, ok := fnrFrom(fmt.Sprintf("%02d%02d%02d%03d", day, month, yy, i)); ok {
			return s
		}
	}
	t.Fatalf("no fødselsnummer for %02d%02d%02d", day, month, yy)
	return ""
}

// luhnDigit returns the Luhn check digit for nine digits.
func luhnDigit(first9 string) int {
	sum := 0
	for i, v := range digitVals(first9) {
		if i%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return (10 - sum%10) % 10
}

// makeSE returns a ten-digit Swedish personnummer for YYMMDD and serial.
func makeSE(yymmdd string, serial int) string {
	p := fmt.Sprintf("%s%03d", yymmdd, serial)
	return fmt.Sprintf("%s%d", p, luhnDigit(p))
}

// makeDK returns the first modulus-11-valid CPR number for DDMMYY with a
// serial of ser or greater.
func makeDK(t testing.TB, ddmmyy string, ser int) string {
	t.Helper()
	for i := ser; i < 1000; i++ {
		p := fmt.Sprintf("%s%03d", ddmmyy, i)
		if c := mod11(weighted([]int{4, 3, 2, 7, 6, 5, 4, 3, 2}, digitVals(p))); c != 10 {
			return fmt.Sprintf("%s%d", p, c)
		}
	}
	t.Fatalf("no CPR number for %s", ddmmyy)
	return ""
}

// refFnrValid is an independent check of an 11-digit string as a Norwegian
// number: controls recomputed by fnrFrom, date checked with package time.
func refFnrValid(s string) bool {
	if len(s) != 11 || strings.Trim(s, "0123456789") != "" {
		return false
	}
	if want, ok := fnrFrom(s[:9]); !ok || want != s {
		return false
	}
	d := digitVals(s)
	day, month, yy := d[0]*10+d[1], d[2]*10+d[3], d[4]*10+d[5]
	if day > 40 {
		day -= 40
	}
	if month > 80 {
		month -= 80
	} else if month > 40 {
		month -= 40
	}
	for _, century := range []int{1800, 1900, 2000} {
		tm := time.Date(century+yy, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		if month >= 1 && month <= 12 && tm.Day() == day && int(tm.Month()) == month {
			return true
		}
	}
	return false
}

func sp(s string, at int, sep string) string { return s[:at] + sep + s[at:] }

// ---- table tests ----

type found struct {
	kind Kind
	text string // the matched substring
}

func findTexts(s string) []found {
	var out []found
	for _, m := range Find(s) {
		out = append(out, found{m.Kind, s[m.Start:m.End]})
	}
	return out
}

func TestValidNumbers(t *testing.T) {
	fnr := makeFnr(t, 1, 1, 90, 123)
	leap := makeFnr(t, 29, 2, 0, 500)
	leap96 := makeFnr(t, 29, 2, 96, 0)
	dnr := makeFnr(t, 41, 1, 90, 123)
	dnr71 := makeFnr(t, 71, 12, 85, 0)
	hnr := makeFnr(t, 15, 43, 88, 0)
	tenor := makeFnr(t, 15, 83, 88, 0)
	tenorD := makeFnr(t, 55, 83, 88, 0)
	seSam := makeSE("850769", 123) // samordningsnummer, day 9
	seLeap := makeSE("000229", 0)
	seLong := makeSE("000229", 17) // 2000 was a leap year
	dk := makeDK(t, "150345", 100)
	dkLeap := makeDK(t, "290248", 0)

	cases := []struct {
		in   string
		kind Kind
		want string
	}{
		// Published test numbers (python-stdnum doctests; Skatteverket).
		{"151086 95088", NorwegianBirthNumber, "151086 95088"},
		{"15108695088", NorwegianBirthNumber, "15108695088"},
		{"19121212-1212", SwedishPersonnummer, "19121212-1212"},
		{"121212-1212", SwedishPersonnummer, "121212-1212"},
		{"121212+1212", SwedishPersonnummer, "121212+1212"},
		{"1212121212", SwedishPersonnummer, "1212121212"},
		{"191212121212", SwedishPersonnummer, "191212121212"},
		{"880320-0016", SwedishPersonnummer, "880320-0016"},
		{"211062-5629", DanishCPR, "211062-5629"},
		{"2110625629", DanishCPR, "2110625629"},
		// Generated Norwegian numbers.
		{fnr, NorwegianBirthNumber, fnr},
		{sp(fnr, 6, " "), NorwegianBirthNumber, sp(fnr, 6, " ")},
		{sp(fnr, 6, "-"), NorwegianBirthNumber, sp(fnr, 6, "-")},
		{sp(fnr, 6, "\u00a0"), NorwegianBirthNumber, sp(fnr, 6, "\u00a0")},
		{leap, NorwegianBirthNumber, leap},
		{leap96, NorwegianBirthNumber, leap96},
		{dnr, NorwegianDNumber, dnr},
		{dnr71, NorwegianDNumber, dnr71},
		{sp(dnr, 6, " "), NorwegianDNumber, sp(dnr, 6, " ")},
		{hnr, NorwegianBirthNumber, hnr},
		{tenor, NorwegianBirthNumber, tenor},
		{tenorD, NorwegianDNumber, tenorD},
		// Generated Swedish numbers.
		{seSam, SwedishPersonnummer, seSam},
		{sp(seSam, 6, "-"), SwedishPersonnummer, sp(seSam, 6, "-")},
		{sp(seSam, 6, " "), SwedishPersonnummer, sp(seSam, 6, " ")},
		{seLeap, SwedishPersonnummer, seLeap},
		{"20" + seLong, SwedishPersonnummer, "20" + seLong},
		{sp("20"+seLong, 8, "-"), SwedishPersonnummer, sp("20"+seLong, 8, "-")},
		// Generated Danish numbers.
		{dk, DanishCPR, dk},
		{sp(dk, 6, "-"), DanishCPR, sp(dk, 6, "-")},
		{sp(dk, 6, " "), DanishCPR, sp(dk, 6, " ")},
		{dkLeap, DanishCPR, dkLeap},
		// In text: bounded by any non-digit.
		{"fnr: " + fnr + ".", NorwegianBirthNumber, fnr},
		{"pnr" + sp(seSam, 6, "-") + "x", SwedishPersonnummer, sp(seSam, 6, "-")},
		{"(CPR " + sp(dk, 6, "-") + ")", DanishCPR, sp(dk, 6, "-")},
		{"Ølstad, «" + fnr + "»", NorwegianBirthNumber, fnr},
		{"tlf 47 " + fnr, NorwegianBirthNumber, fnr}, // "47" is not "+47"
	}
	t.Logf("%d valid cases", len(cases))
	for _, c := range cases {
		got := findTexts(c.in)
		want := []found{{c.kind, c.want}}
		if !slices.Equal(got, want) {
			t.Errorf("Find(%q) = %v, want %v", c.in, got, want)
		}
		if m, ok := Contains(c.in); !ok || m.Kind != c.kind {
			t.Errorf("Contains(%q) = %v, %v", c.in, m, ok)
		}
	}
}

func TestInvalidNumbers(t *testing.T) {
	fnr := makeFnr(t, 1, 1, 90, 123)
	bump := func(s string, i int) string {
		b := []byte(s)
		b[i] = '0' + (b[i]-'0'+1)%10
		return string(b)
	}
	se := makeSE("121212", 121) // 121212-1212
	dk := makeDK(t, "150345", 100)
	cases := []string{
		// Published invalid numbers (python-stdnum doctests).
		"15108695077", "880320-0018",
		// Wrong control digits.
		bump(fnr, 9), bump(fnr, 10), sp(bump(fnr, 10), 6, " "),
		bump(se, 9), sp(bump(se, 9), 6, "-"), "19" + bump(se, 9),
		bump(dk, 9), sp(bump(dk, 9), 6, "-"),
		// Checksum-valid but impossible dates.
		makeFnr(t, 31, 2, 99, 123),   // 31 February
		makeFnr(t, 30, 2, 96, 123),   // 30 February
		makeFnr(t, 29, 2, 1, 123),    // 29 February in a year that is never leap
		makeFnr(t, 32, 1, 90, 123),   // day 32
		makeFnr(t, 0, 1, 90, 123),    // day 0
		makeFnr(t, 72, 1, 90, 123),   // D-number day 32
		makeFnr(t, 1, 13, 90, 123),   // month 13
		makeFnr(t, 1, 0, 90, 123),    // month 0
		makeFnr(t, 1, 53, 90, 123),   // H-number month 13
		makeFnr(t, 1, 93, 90, 123),   // synthetic month 13
		makeFnr(t, 1, 60, 90, 123),   // month 60
		makeSE("990230", 123),        // 30 February (Swedish); Danish day 99
		makeSE("991300", 123),        // month 13
		makeSE("990292", 123),        // samordningsnummer day 32
		"17" + makeSE("991212", 123), // century 17
		"21" + makeSE("001212", 123), // century 21
		"19" + makeSE("010229", 123), // 1901-02-29
		"19" + makeSE("000229", 123), // 1900 was not a leap year
		makeDK(t, "300245", 0),       // 30 February (Danish); Swedish month 02 day 45
		// Wrong lengths and forms.
		fnr[:9], "0" + fnr + "0", fnr + "12", "1" + "191212121212",
		sp(fnr, 5, " "), sp(fnr, 7, " "), sp(fnr, 6, "  "), sp(fnr, 6, "+"), sp(fnr, 6, "."),
		sp(se, 5, "-"), sp(se, 6, "--"), sp(se, 6, "."), sp(se, 6, "/"), sp(se, 7, "-"),
		sp("19"+se, 8, " "), sp("19"+se, 8, "+"), sp("19"+se, 6, "-"),
		"9" + sp(se, 6, "-"), sp(se, 6, "-") + "55", sp(dk, 6, "-") + "55",
	}
	t.Logf("%d invalid cases", len(cases))
	for _, in := range cases {
		if got := findTexts(in); got != nil {
			t.Errorf("Find(%q) = %v, want nothing", in, got)
		}
	}
	// A 6-4 form followed by unrelated digits after a space is still found:
	// only the groups themselves must be maximal digit runs.
	if got := findTexts(sp(se, 6, "-") + " 1"); len(got) != 1 {
		t.Errorf("Find(121212-1212 1) = %v", got)
	}
}

func TestPhonePrefixContext(t *testing.T) {
	fnr := makeFnr(t, 1, 1, 90, 123)
	for _, in := range []string{
		"+" + fnr, "+47 " + fnr, "+47\u00a0" + fnr, "0047 " + fnr, "+47 " + sp(fnr, 6, " "),
		"+1212121212", "+46 121212-1212", "0046 121212-1212", "+46 19121212-1212", "tlf:+45 211062-5629",
	} {
		if got := findTexts(in); got != nil {
			t.Errorf("Find(%q) = %v, want nothing (phone context)", in, got)
		}
	}
	// Not a country-code context: the number is found.
	for _, in := range []string{
		"47 " + fnr, "+4747 " + fnr, "004700 " + fnr, "000 " + fnr, "12+ " + fnr, "+47- " + fnr, "47+ " + fnr,
	} {
		if got := findTexts(in); len(got) != 1 {
			t.Errorf("Find(%q) = %v, want one match", in, got)
		}
	}
}

func TestOffsetsAndOrder(t *testing.T) {
	fnr := makeFnr(t, 24, 12, 75, 400)
	dk := makeDK(t, "150345", 100)
	s := "Referent: " + sp(fnr, 6, " ") + ", ellers " + "121212-1212" + "; CPR " + dk + " slutt"
	got := Find(s)
	want := []Match{
		{NorwegianBirthNumber, 10, 22},
		{SwedishPersonnummer, 31, 42},
		{DanishCPR, 48, 58},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Find = %v, want %v", got, want)
	}
	for _, m := range got {
		if strings.Contains(fmt.Sprintf("%+v", m), s[m.Start:m.End]) {
			t.Errorf("match %v prints the number", m)
		}
	}
}

func TestNoFalsePositives(t *testing.T) {
	cases := []string{
		// Norwegian phone numbers.
		"22 33 44 55", "+47 22 33 44 55", "+4722334455", "004722334455", "0047 22334455",
		"+47 22334455", "987 65 432", "98765432", "+47 987 65 432", "+47 98765432",
		"Ring 815 00 000", "tlf. 22334455/98765432", "+47 (0) 22 33 44 55",
		// Swedish phone numbers.
		"070-123 45 67", "0701234567", "0721234567", "0731234567", "0761234567", "0791234567",
		"+46 70 123 45 67", "+46701234567", "+46 701234567", "0046701234567", "0046 701234567",
		"08-123 456 78", "08-12345678", "031-123456", "+46 8 123 456 78", "010-123 45 67",
		"+4612345678901", "+46 (0)70-123 45 67", "0771-123 456",
		// Danish phone numbers.
		"12 34 56 78", "+45 12 34 56 78", "+4512345678", "004512345678", "0045 12345678",
		"+45 1234 5678", "12345678", "+45 20123456",
		// Dates.
		"2026-11-23", "23.11.2026", "20261123", "23/11/2026", "2026-11-23T10:30:00Z",
		"23.11.26", "231126", "2026-11-23 10:30", "1.1.2000–31.12.2026", "20261123T103000",
		"23. november 2026", "2026/11/23", "23-11-2026", "11/23/2026 10:30:00",
		// Organisation numbers.
		"987654321", "987 654 321", "NO 987 654 321 MVA", "556677-8899", "5566778899",
		"212000-0142", "CVR 12345678",
		// Bank accounts and payment references (contiguous 11-digit Norwegian
		// account numbers CAN collide with a fødselsnummer and are not asserted).
		"1234.56.78903", "1234 56 78903", "NO93 8601 1117 947", "SE45 5000 0000 0583 9825 7466",
		"DK50 0040 0440 1162 43", "4111 1111 1111 1111", "4111111111111111",
		// Postal codes and years.
		"0150 Oslo", "SE-111 22 Stockholm", "114 55", "DK-2100 København Ø", "1990", "2026",
		"1990–2026", "fra 1990 til 2026",
		// Other numbers.
		"550e8400-e29b-41d4-a716-446655440000", "1767225600000", "v1.2.3", "3.14159265358979",
	}
	t.Logf("%d false-positive cases", len(cases))
	for _, in := range cases {
		if got := findTexts(in); got != nil {
			t.Errorf("Find(%q) = %v, want nothing", in, got)
		}
	}
}

func TestNoFalsePositivesGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(s string) {
		t.Helper()
		if got := findTexts(s); got != nil {
			t.Fatalf("Find(%q) = %v, want nothing", s, got)
		}
	}
	for range 3000 {
		// Norwegian and Danish subscriber numbers: 8 digits, first 2–9.
		n := fmt.Sprintf("%d%07d", 2+r.IntN(8), r.IntN(10_000_000))
		for _, cc := range []string{"47", "45"} {
			check("+" + cc + n)
			check("+" + cc + " " + n)
			check("00" + cc + n)
			check("00" + cc + " " + n)
			check(cc + n) // day/year 47/45 and month 2x–9x: no valid date
			check("+" + cc + " " + n[:2] + " " + n[2:4] + " " + n[4:6] + " " + n[6:])
		}
		check(n[:3] + " " + n[3:5] + " " + n[5:])
		check(n[:2] + " " + n[2:4] + " " + n[4:6] + " " + n[6:])
		// Swedish mobile numbers.
		m := fmt.Sprintf("7%d%07d", []int{0, 2, 3, 6, 9}[r.IntN(5)], r.IntN(10_000_000))
		check("0" + m)
		check("0" + m[:2] + "-" + m[2:5] + " " + m[5:7] + " " + m[7:])
		check("+46" + m)
		check("+46 " + m)
		check("0046" + m)
		check("0046 " + m)
		check("46" + m) // Norwegian day 46 (D) but month 7x
		check("+46 " + m[:2] + " " + m[2:5] + " " + m[5:7] + " " + m[7:])
		// Norwegian and Swedish organisation numbers.
		check(fmt.Sprintf("%d%08d", 8+r.IntN(2), r.IntN(100_000_000)))
		org := fmt.Sprintf("%d%d%d%06d", 1+r.IntN(9), r.IntN(10), 2+r.IntN(8), r.IntN(1_000_000))
		org = fmt.Sprintf("%s%d", org, luhnDigit(org))
		check(org)
		check(org[:6] + "-" + org[6:])
	}
	// Every date from 1900 to 2099 in common formats.
	for d := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2100; d = d.AddDate(0, 0, 1) {
		for _, layout := range []string{
			"2006-01-02", "02.01.2006", "20060102", "02/01/2006", "02.01.06", "020106",
			"2006-01-02T15:04:05Z", "2006-01-02 15:04", "02.01.2006 15:04", "20060102T150405",
		} {
			check(d.Add(13*time.Hour + 37*time.Minute).Format(layout))
		}
	}
	// Unix timestamps (seconds) of 2026: their month digits are 67–98.
	for ts := int64(1767225600); ts < 1798761600; ts += 3607 {
		check(fmt.Sprint(ts))
	}
}

func TestSingleDigitChangesAreCaught(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tested, found := 0, 0
	for range 600 {
		day := 1 + r.IntN(28)
		if r.IntN(4) == 0 {
			day += 40
		}
		month := 1 + r.IntN(12)
		switch r.IntN(6) {
		case 0:
			month += 40
		case 1:
			month += 80
		}
		fnr, ok := fnrFrom(fmt.Sprintf("%02d%02d%02d%03d", day, month, r.IntN(100), r.IntN(1000)))
		if !ok {
			continue
		}
		if !refFnrValid(fnr) || len(Find(fnr)) != 1 {
			t.Fatalf("generated %s not detected", fnr)
		}
		for pos := range 11 {
			for dgt := byte('0'); dgt <= '9'; dgt++ {
				if fnr[pos] == dgt {
					continue
				}
				mut := fnr[:pos] + string(dgt) + fnr[pos+1:]
				tested++
				for _, in := range []string{mut, "fnr " + sp(mut, 6, " ") + "."} {
					for _, m := range Find(in) {
						found++
						digitsOnly := strings.ReplaceAll(in[m.Start:m.End], " ", "")
						if !refFnrValid(digitsOnly) {
							t.Errorf("Find(%q) = %v, but the reference check rejects it", in, m)
						}
					}
				}
			}
		}
	}
	// Both controls are modulus 11 (prime) with weights never divisible by
	// 11, so no single-digit substitution can keep them both valid.
	if found != 0 {
		t.Errorf("%d of %d single-digit mutations were detected; modulus 11 should catch all", found, tested)
	}
	t.Logf("%d mutations tested", tested)
	if tested < 30000 {
		t.Errorf("only %d mutations tested", tested)
	}
}

func TestCheckAndError(t *testing.T) {
	fnr := makeFnr(t, 1, 1, 90, 123)
	dnr := makeFnr(t, 41, 1, 90, 123)
	cases := []struct {
		field, value string
		kind         Kind
	}{
		{"actors[2].name", "Ola Nordmann " + fnr, NorwegianBirthNumber},
		{"note", "D-nr " + sp(dnr, 6, " "), NorwegianDNumber},
		{"actors[0].description", "pnr 121212-1212", SwedishPersonnummer},
		{"x", "cpr: 211062-5629", DanishCPR},
	}
	for _, c := range cases {
		err := Check(c.field, c.value)
		if err == nil {
			t.Fatalf("Check(%q, …) = nil", c.field)
		}
		if !errors.Is(err, ErrNationalID) {
			t.Errorf("errors.Is(%v, ErrNationalID) = false", err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Field != c.field || e.Kind != c.kind {
			t.Errorf("Check error = %#v", err)
		}
		msg := err.Error()
		if !strings.Contains(msg, `field "`+c.field+`"`) || !strings.Contains(msg, string(c.kind)) {
			t.Errorf("message %q does not name field and kind", msg)
		}
		if rest := strings.Replace(msg, `"`+c.field+`"`, "", 1); strings.ContainsAny(rest, "0123456789") {
			t.Errorf("message %q contains digits outside the field name", msg)
		}
		for _, m := range Find(c.value) {
			num := c.value[m.Start:m.End]
			if strings.Contains(msg, num) || strings.Contains(msg, num[:6]) || strings.Contains(msg, num[len(num)-4:]) {
				t.Errorf("message %q leaks the number", msg)
			}
		}
	}
	want := `field "actors[2].name" looks like a Norwegian fødselsnummer; national identity numbers must not be stored — use the pseudonymous id`
	if got := Check("actors[2].name", fnr).Error(); got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if got := (&Error{Kind: DanishCPR}).Error(); !strings.HasPrefix(got, "input looks like a Danish CPR number;") {
		t.Errorf("message without field = %q", got)
	}
	for _, ok := range []string{"", "Ola Nordmann", "tlf +47 22 33 44 55", "2026-11-23", "987654321"} {
		if err := Check("f", ok); err != nil {
			t.Errorf("Check(%q) = %v", ok, err)
		}
	}
}

func TestNoAllocations(t *testing.T) {
	s := benchText
	if n := testing.AllocsPerRun(100, func() { _ = Find(s) }); n != 0 {
		t.Errorf("Find allocates %v times on clean text", n)
	}
	withNumber := s + " 121212-1212"
	if n := testing.AllocsPerRun(100, func() { _, _ = Contains(withNumber) }); n != 0 {
		t.Errorf("Contains allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = Check("f", s) }); n != 0 {
		t.Errorf("Check allocates %v times on clean text", n)
	}
}

// ---- fuzzing and benchmarks ----

func FuzzFind(f *testing.F) {
	for _, s := range []string{
		"", "0", "1212121212", "121212-1212", "19121212-1212", "151086 95088", "15108695088",
		"211062-5629", "+4722334455", "+47 15108695088", "0047 15108695088", "0701234567",
		"2026-11-23", "23.11.2026", "20261123", "070-123 45 67", "987 65 432", "22 33 44 55",
		"151086\u00a095088", "151086\xc2", "00000000 00000", "12345678-12345", "121212-1212-1212", "121212 121212-1212",
		"a151086 95088 121212+1212b", "1234.56.78903", "+", "00 ", "\xc2\xa0121212 1212",
		benchText,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms := Find(s)
		prev := 0
		for _, m := range ms {
			if m.Start < prev || m.Start >= m.End || m.End > len(s) {
				t.Fatalf("Find(%q): bad or unordered match %v after %d", s, m, prev)
			}
			prev = m.End
			if m.Start > 0 && isDigit(s[m.Start-1]) || m.End < len(s) && isDigit(s[m.End]) {
				t.Fatalf("Find(%q): match %v inside a longer digit run", s, m)
			}
			if k, ok := validate(s[m.Start:m.End]); !ok || k != m.Kind {
				t.Fatalf("Find(%q): match %v does not re-validate (%q, %v)", s, m, k, ok)
			}
			if alone := Find(s[m.Start:m.End]); len(alone) != 1 || alone[0] != (Match{m.Kind, 0, m.End - m.Start}) {
				t.Fatalf("Find(%q): match %v not found on its own: %v", s, m, alone)
			}
		}
		if again := Find(s); !slices.Equal(ms, again) {
			t.Fatalf("Find(%q) not deterministic: %v then %v", s, ms, again)
		}
		m, ok := Contains(s)
		if ok != (len(ms) > 0) || ok && m != ms[0] {
			t.Fatalf("Contains(%q) = %v, %v; Find = %v", s, m, ok, ms)
		}
		if err := Check("f", s); (err != nil) != ok {
			t.Fatalf("Check(%q) = %v; Contains = %v", s, err, ok)
		}
	})
}

// benchText is a typical 200-character Norwegian free-text note.
var benchText = "Møte med fastlegen 23.11.2026 kl. 10:30 på legekontoret i Storgata 12, " +
	"0150 Oslo. Pasienten ringte fra 987 65 432 og ba om ny time; neste kontroll " +
	"om 3 uker, ev. tlf. +47 22 33 44 55. Pårørende informert."

func BenchmarkFind(b *testing.B) {
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		if Find(benchText) != nil {
			b.Fatal("unexpected match")
		}
	}
}

func BenchmarkFindWithMatch(b *testing.B) {
	s := benchText[:len(benchText)-12] + " fnr 151086 95088."
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if len(Find(s)) != 1 {
			b.Fatal("want one match")
		}
	}
}

func TestMask(t *testing.T) {
	got := Mask("Kari 01019010046, tlf 987 65 432")
	if got != "Kari ***********, tlf 987 65 432" {
		t.Fatalf("Mask = %q", got)
	}
	if s := "no numbers here"; Mask(s) != s {
		t.Fatal("Mask changed clean text")
	}
}

func TestClean(t *testing.T) {
	ids := []string{"19121212-1212-4000-8000-000000000000", "0c5e3f1a-1212-4000-8000-000000000000"}
	got := Clean(func(i int) string { return ids[i] })
	if got != ids[1] {
		t.Fatalf("Clean = %q, want the second id (the first holds a Swedish personnummer)", got)
	}
}
