package toxics

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// methodSet is a comma-separated list of request methods; empty matches
// every request, including those whose method is unknown.
type methodSet string

// match reports whether method is in the set. An unknown method ("", an
// unpaired response) matches only the empty set.
func (s methodSet) match(method string) bool {
	if strings.TrimSpace(string(s)) == "" {
		return true
	}
	for _, m := range strings.Split(string(s), ",") {
		if strings.EqualFold(strings.TrimSpace(m), method) && method != "" {
			return true
		}
	}
	return false
}

// commaList splits a comma-separated attribute such as header_strip's
// names, dropping blanks.
func commaList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// looseString is a string attribute that also accepts a JSON number:
// toxiproxy-cli sends `-a from=202` as the number 202.
type looseString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *looseString) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case string:
		*s = looseString(v)
	case float64:
		*s = looseString(strconv.FormatFloat(v, 'f', -1, 64))
	case nil:
		*s = ""
	default:
		return fmt.Errorf("want a string or a number, got %s", b)
	}
	return nil
}

// looseBool is a bool attribute that also accepts "true"/"false" and 0/1:
// toxiproxy-cli and --toxic send `-a drop_on_cut=true` as a string.
type looseBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *looseBool) UnmarshalJSON(raw []byte) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case bool:
		*b = looseBool(v)
		return nil
	case float64:
		*b = v != 0
		return nil
	case string:
		if p, err := strconv.ParseBool(v); err == nil {
			*b = looseBool(p)
			return nil
		}
	case nil:
		*b = false
		return nil
	}
	return fmt.Errorf("want true or false, got %s", raw)
}
