package reporttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"
)

// HARViolations checks a HAR file against the HAR 1.2 structure
// (http://www.softwareishard.com/blog/har-12-spec/): every required field
// present with its type, optional ones typed when present, no field the
// spec does not name unless it starts with "_" (custom fields), timings
// non-negative (or -1 where the spec allows "does not apply") and an
// entry's time the sum of its timings. It returns every violation.
func HARViolations(data []byte) []string {
	var v struct {
		errs []string
	}
	fail := func(path, format string, args ...any) {
		v.errs = append(v.errs, path+": "+fmt.Sprintf(format, args...))
	}
	var root any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	obj := func(path string, x any, required, optional map[string]string) map[string]any {
		m, ok := x.(map[string]any)
		if !ok {
			fail(path, "want an object, got %T", x)
			return nil
		}
		for k, typ := range required {
			val, ok := m[k]
			if !ok {
				fail(path, "required field %q missing", k)
				continue
			}
			checkType(path+"."+k, val, typ, fail)
		}
		for k, val := range m {
			if _, ok := required[k]; ok {
				continue
			}
			if typ, ok := optional[k]; ok {
				checkType(path+"."+k, val, typ, fail)
				continue
			}
			if !strings.HasPrefix(k, "_") {
				fail(path, "field %q is not in HAR 1.2 (custom fields start with _)", k)
			}
		}
		return m
	}
	nameValues := func(path string, x any, withCookie bool) {
		arr, _ := x.([]any)
		for i, nv := range arr {
			opt := map[string]string{"comment": "string"}
			if withCookie {
				opt = map[string]string{"path": "string", "domain": "string", "expires": "string", "httpOnly": "bool", "secure": "bool", "comment": "string"}
			}
			obj(fmt.Sprintf("%s[%d]", path, i), nv, map[string]string{"name": "string", "value": "string"}, opt)
		}
	}
	top := obj("", root, map[string]string{"log": "object"}, nil)
	if top == nil {
		return v.errs
	}
	log := obj("log", top["log"], map[string]string{"version": "string", "creator": "object", "entries": "array"},
		map[string]string{"browser": "object", "pages": "array", "comment": "string"})
	if log == nil {
		return v.errs
	}
	if log["version"] != "1.2" {
		fail("log.version", "%v, want 1.2", log["version"])
	}
	creator := map[string]string{"name": "string", "version": "string"}
	obj("log.creator", log["creator"], creator, map[string]string{"comment": "string"})
	if b, ok := log["browser"]; ok {
		obj("log.browser", b, creator, map[string]string{"comment": "string"})
	}
	pageIDs := map[string]bool{}
	pages, _ := log["pages"].([]any)
	for i, p := range pages {
		path := fmt.Sprintf("log.pages[%d]", i)
		pm := obj(path, p, map[string]string{"startedDateTime": "datetime", "id": "string", "title": "string", "pageTimings": "object"},
			map[string]string{"comment": "string"})
		if pm != nil {
			pageIDs[fmt.Sprint(pm["id"])] = true
			obj(path+".pageTimings", pm["pageTimings"], nil, map[string]string{"onContentLoad": "number", "onLoad": "number", "comment": "string"})
		}
	}
	entries, _ := log["entries"].([]any)
	for i, e := range entries {
		path := fmt.Sprintf("log.entries[%d]", i)
		em := obj(path, e, map[string]string{
			"startedDateTime": "datetime", "time": "number", "request": "object", "response": "object", "cache": "object", "timings": "object",
		}, map[string]string{"pageref": "string", "serverIPAddress": "string", "connection": "string", "comment": "string"})
		if em == nil {
			continue
		}
		if ref, ok := em["pageref"]; ok && !pageIDs[fmt.Sprint(ref)] {
			fail(path+".pageref", "%v names no page", ref)
		}
		req := obj(path+".request", em["request"], map[string]string{
			"method": "string", "url": "string", "httpVersion": "string", "cookies": "array", "headers": "array",
			"queryString": "array", "headersSize": "number", "bodySize": "number",
		}, map[string]string{"postData": "object", "comment": "string"})
		if req != nil {
			if u, err := url.Parse(fmt.Sprint(req["url"])); err != nil || !u.IsAbs() {
				fail(path+".request.url", "%v is not an absolute URL", req["url"])
			}
			nameValues(path+".request.cookies", req["cookies"], true)
			nameValues(path+".request.headers", req["headers"], false)
			nameValues(path+".request.queryString", req["queryString"], false)
			if pd, ok := req["postData"]; ok {
				pdm := obj(path+".request.postData", pd, map[string]string{"mimeType": "string"},
					map[string]string{"params": "array", "text": "string", "comment": "string"})
				if _, hasParams := pdm["params"]; hasParams && pdm["text"] != nil {
					fail(path+".request.postData", "text and params are mutually exclusive")
				}
			}
		}
		resp := obj(path+".response", em["response"], map[string]string{
			"status": "number", "statusText": "string", "httpVersion": "string", "cookies": "array", "headers": "array",
			"content": "object", "redirectURL": "string", "headersSize": "number", "bodySize": "number",
		}, map[string]string{"comment": "string"})
		if resp != nil {
			nameValues(path+".response.cookies", resp["cookies"], true)
			nameValues(path+".response.headers", resp["headers"], false)
			obj(path+".response.content", resp["content"], map[string]string{"size": "number", "mimeType": "string"},
				map[string]string{"compression": "number", "text": "string", "encoding": "string", "comment": "string"})
		}
		obj(path+".cache", em["cache"], nil, map[string]string{"beforeRequest": "object|null", "afterRequest": "object|null", "comment": "string"})
		tm := obj(path+".timings", em["timings"], map[string]string{"send": "number", "wait": "number", "receive": "number"},
			map[string]string{"blocked": "number", "dns": "number", "connect": "number", "ssl": "number", "comment": "string"})
		if tm == nil {
			continue
		}
		sum := 0.0
		for _, k := range []string{"blocked", "dns", "connect", "send", "wait", "receive"} {
			n, ok := number(tm[k])
			if !ok {
				continue
			}
			required := k == "send" || k == "wait" || k == "receive"
			switch {
			case n < 0 && (required || n != -1):
				fail(path+".timings."+k, "%v: want >= 0%s", n, map[bool]string{false: " or -1"}[required])
			case n >= 0:
				sum += n
			}
		}
		if total, ok := number(em["time"]); ok && math.Abs(total-sum) > 0.01 {
			fail(path+".time", "%v, want the sum of the timings %v", total, sum)
		}
	}
	return v.errs
}

func number(x any) (float64, bool) {
	n, ok := x.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func checkType(path string, x any, typ string, fail func(path, format string, args ...any)) {
	ok := false
	for _, t := range strings.Split(typ, "|") {
		switch t {
		case "string":
			_, ok = x.(string)
		case "number":
			_, ok = number(x)
		case "bool":
			_, ok = x.(bool)
		case "object":
			_, ok = x.(map[string]any)
		case "array":
			_, ok = x.([]any)
		case "null":
			ok = x == nil
		case "datetime":
			s, isString := x.(string)
			_, err := time.Parse(time.RFC3339Nano, s)
			ok = isString && err == nil
		}
		if ok {
			return
		}
	}
	fail(path, "want %s, got %T %v", typ, x, x)
}
