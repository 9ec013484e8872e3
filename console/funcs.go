package console

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// templateFuncs are the helpers the templates use. They format values;
// every decision about what to show is made by the handlers.
func templateFuncs(a *assets) template.FuncMap {
	return template.FuncMap{
		"asset":       a.url,
		"statusLabel": statusLabel,
		"statusClass": func(s enroll.Status) string { return "s-" + string(s) },
		"time":        formatTime,
		"timePtr":     formatTimePtr,
		"timeSec":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"lower":       strings.ToLower,
		"bidi":        isolate,
		"iso":         func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"date":        formatDate,
		"num":         formatInt,
		"plural":      plural,
		"json":        prettyJSON,
		"value":       formatValue,
		"join":        strings.Join,
		"dict":        dict,
		"inc":         func(i int) int { return i + 1 },
	}
}

// statusLabel is the human form of a status: "needs action".
func statusLabel(s enroll.Status) string { return strings.ReplaceAll(string(s), "_", " ") }

// formatTime shows a time in UTC to the minute, the same for everyone.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// formatDate is the day of an instance's start or end date as it was
// set: in the offset it was given with, which the stores keep, not in
// UTC, where a season starting on 2026-01-01 at midnight in Berlin would
// start on 2025-12-31.
func formatDate(t time.Time) string { return t.Format("2006-01-02") }

// formatTimePtr is formatTime for optional times.
func formatTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t)
}

// formatInt writes n with thousands separators: 1,234,567.
func formatInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// plural returns "1 enrollment" or "3 enrollments".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return formatInt(n) + " " + many
}

// prettyJSON indents any value as JSON for display.
func prettyJSON(v any) string {
	return plainJSON(v, "  ")
}

// plainJSON is v as JSON, indented by indent when not empty, with <, > and
// & as they are: html/template escapes the page, and json's own escapes
// (\u003c) would show through.
func plainJSON(v any, indent string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// formatValue shows a parameter value: strings as they are, other values
// as compact JSON, nothing for an absent value.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return plainJSON(v, "")
}

// dict builds a map from key, value pairs, to pass several values to a
// partial template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// ago says how long ago t was, roughly: "3 days", "5 hours", "just now".
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute", "minutes")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour", "hours")
	default:
		return plural(int(d/(24*time.Hour)), "day", "days")
	}
}

// displayName is how an enrollment's participant is named on pages: the
// name, else the email, else the reference, else the id. It is isolated
// (isolate): pages and messages write their own words after it.
func displayName(e *enroll.Enrollment) string {
	if n := strings.TrimSpace(e.FirstName + " " + e.LastName); n != "" {
		return isolate(n)
	}
	for _, s := range []string{e.Email, e.ReferenceID} {
		if s != "" {
			return isolate(s)
		}
	}
	return e.ID
}
