package events

import (
	"strconv"
	"strings"
)

// decimal is a JSON number literal held exactly: its value is
// ±0.digits × 10^exp, with digits free of leading and trailing zeros; zero
// has no digits. Bounds and enum members are compared in this form, so that
// a literal float64 cannot represent (1e-400, 9007199254740993) compares as
// JSON Schema says rather than as its rounded value.
type decimal struct {
	neg    bool
	digits string
	exp    int64
}

// maxExp clamps exponents; beyond it every literal is out of any bound a
// schema can state.
const maxExp = 1 << 40

// parseDecimal reads a syntactically valid number literal (JSON, or a
// json.Number from a schema, which may also carry a '+' exponent sign).
func parseDecimal(lit string) decimal {
	var d decimal
	i := 0
	if i < len(lit) && (lit[i] == '-' || lit[i] == '+') {
		d.neg = lit[i] == '-'
		i++
	}
	var buf strings.Builder
	frac := int64(0)
	inFrac := false
	for ; i < len(lit); i++ {
		c := lit[i]
		switch {
		case c >= '0' && c <= '9':
			if buf.Len() == 0 && c == '0' {
				if inFrac {
					frac++
				}
				continue // leading zero
			}
			buf.WriteByte(c)
			if inFrac {
				frac++
			}
			continue
		case c == '.':
			inFrac = true
			continue
		}
		break
	}
	var e int64
	if i < len(lit) && (lit[i] == 'e' || lit[i] == 'E') {
		i++
		eneg := false
		if i < len(lit) && (lit[i] == '-' || lit[i] == '+') {
			eneg = lit[i] == '-'
			i++
		}
		for ; i < len(lit) && lit[i] >= '0' && lit[i] <= '9'; i++ {
			if e < maxExp {
				e = e*10 + int64(lit[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
	}
	digits := strings.TrimRight(buf.String(), "0")
	if digits == "" {
		return decimal{}
	}
	// buf holds the significant digits from the first non-zero one; the
	// value is 0.buf × 10^(e - frac + len(buf)).
	d.digits = digits
	d.exp = e - frac + int64(buf.Len())
	return d
}

func (d decimal) sign() int {
	switch {
	case d.digits == "":
		return 0
	case d.neg:
		return -1
	}
	return 1
}

// cmp returns -1, 0 or 1 as d is less than, equal to or greater than o.
func (d decimal) cmp(o decimal) int {
	ds, os := d.sign(), o.sign()
	if ds != os || ds == 0 {
		return compare(ds, os)
	}
	m := compare(d.exp, o.exp)
	if m == 0 {
		m = strings.Compare(d.digits, o.digits)
	}
	return m * ds
}

func compare[T int | int64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// key is the enum key of the number: equal for equal values.
func (d decimal) key() string {
	switch d.sign() {
	case 0:
		return "n0"
	case -1:
		return "n-" + d.digits + "e" + strconv.FormatInt(d.exp, 10)
	}
	return "n" + d.digits + "e" + strconv.FormatInt(d.exp, 10)
}

// cmpBound compares the number literal lit (f its float64 value) with a
// bound: by float when they differ, exactly when the floats are equal
// (rounding never reverses an order, it can only make two values equal).
func cmpBound(f float64, lit []byte, bound float64, exact decimal) int {
	switch {
	case f < bound:
		return -1
	case f > bound:
		return 1
	}
	return parseDecimal(string(lit)).cmp(exact)
}
