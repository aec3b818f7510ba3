package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vpcvpn/vpcvpn/internal/apierror"
)

// pageTemplate is one page: the layout with the page's "content".
type pageTemplate struct{ t *template.Template }

func parseTemplates() map[string]*pageTemplate {
	base := template.Must(template.New("").Funcs(funcs()).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*pageTemplate{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
		out[name] = &pageTemplate{t: t}
	}
	return out
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"millis": func(ms int64) string {
			if ms == 0 {
				return ""
			}
			return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04 UTC")
		},
		"statusLabel": statusLabel,
		"statusClass": statusClass,
		"join":        strings.Join,
		"deref": func(p *int64) string {
			if p == nil {
				return ""
			}
			return strconv.FormatInt(*p, 10)
		},
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i + 1
			}
			return s
		},
		"dict2": func(region string, rows []connRow) any {
			return struct {
				Region string
				Rows   []connRow
			}{region, rows}
		},
		"st": func(status, key string) any {
			return struct{ S, K string }{status, key}
		},
		"mins": func() []int { return []int{15, 60, 360, 1440, 10080} },
		"field": func(v formValues, name, label, hint string) formField {
			return formField{Name: name, Label: label, Hint: hint, Value: v[name]}
		},
		"secretfield": func(v formValues, name, label, hint string) formField {
			return formField{Name: name, Label: label, Hint: hint, Secret: true}
		},
		"pskhint": func(edit bool) string {
			if edit {
				return "leave empty to keep the current key"
			}
			return "leave empty to have one generated"
		},
		"sel": func(v formValues, name, label string, opts []string) formField {
			f := formField{Name: name, Label: label, Value: v[name], Opts: []option{{"", "default"}}}
			for _, o := range opts {
				f.Opts = append(f.Opts, option{o, o})
			}
			return f
		},
		"boolsel": func(v formValues, name, label, def string) formField {
			f := formField{Name: name, Label: label, Value: v[name], Opts: []option{{"true", "on"}, {"false", "off"}}}
			if f.Value == "" {
				f.Value = def
			}
			return f
		},
		"sect": func(v formValues, prefix, legend string, c map[string][]string, edit bool) any {
			return struct {
				V      formValues
				P      string
				Legend string
				C      map[string][]string
				Edit   bool
			}{v, prefix, legend, c, edit}
		},
		"pskv": func(v *connView, tunnel, region, id, csrf string) any {
			return struct {
				Revealed              bool
				Psk, Region, ID, CSRF string
			}{v.Revealed, v.Psks[tunnel], region, id, csrf}
		},
	}
}

// formField is one input or select of a form template.
type formField struct {
	Name, Label, Hint, Value string
	Secret                   bool
	Opts                     []option
}

// statusLabel names a connection or tunnel status for people.
func statusLabel(s string) string {
	switch s {
	case "ike_sa_not_established":
		return "Phase 1 not established"
	case "ike_sa_established":
		return "Phase 1 established"
	case "ipsec_sa_not_established":
		return "Phase 2 not established"
	case "ipsec_sa_established":
		return "Up (phase 2 established)"
	case "":
		return "unknown"
	}
	return s
}

// statusClass is the colour class of a status: up, partial, down.
func statusClass(s string) string {
	switch s {
	case "ipsec_sa_established":
		return "up"
	case "ike_sa_established", "ipsec_sa_not_established":
		return "partial"
	}
	return "down"
}

// view is what every page template gets.
type view struct {
	Title   string
	Nav     string
	Region  string
	User    string
	CSRF    string
	Notice  string
	Err     *errView
	Refresh int // status refresh interval in seconds (0: none)
	// StatusSrc is the status URL console.js polls (with Refresh).
	StatusSrc string
	// Self is the address that shows this page again with a GET (the
	// connection's page for a reveal's answer): where console.js goes when
	// the status refresh finds the session ended.
	Self string
	Data any
}

// errView is a service error shown to the user.
type errView struct {
	Title     string
	Code      string
	Message   string
	RequestID string
	Denied    *apierror.AccessDeniedDetail
}

// errorView turns a service error into what the page shows: the API's code
// and message, and for a refusal the AccessDeniedDetail (which action was
// refused, for whom, and why).
func (h *Handler) errorView(err error, requestID string) *errView {
	ae, ok := apierror.As(err)
	if !ok {
		ae = apierror.New("InternalError")
	}
	ev := &errView{Title: "The request failed", Code: ae.Code, Message: ae.Message, RequestID: requestID, Denied: ae.AccessDenied}
	switch {
	case ae.AccessDenied != nil || ae.Status == http.StatusForbidden:
		ev.Title = "You are not allowed to do this"
	case ae.Status == http.StatusNotFound || strings.HasSuffix(ae.Code, ".NotFound"):
		ev.Title = "Not found"
	case ae.Status == http.StatusTooManyRequests || strings.HasPrefix(ae.Code, "Throttling"):
		ev.Title = "Too many requests: wait a moment and try again"
	case ae.Status >= 500:
		ev.Title = "The server could not do this"
	default:
		ev.Title = "The request was refused"
	}
	return ev
}

// errStatus is the HTTP status a page shows an error with.
func errStatus(err error) int {
	if ae, ok := apierror.As(err); ok && ae.Status >= 400 {
		return ae.Status
	}
	return http.StatusInternalServerError
}

// render writes page name with status. The template is executed into a
// buffer first so that a template error never sends half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, v *view) {
	pt := h.pages[name]
	var buf bytes.Buffer
	if err := pt.t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.cfg.Logger.Error("console: template", "page", name, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// page renders an authenticated page.
func (q *req) page(status int, name, title, nav string, data any, e *errView) {
	v := &view{Title: title, Nav: nav, Region: q.region, User: q.p.ARN(), CSRF: q.s.CSRF, Err: e, Data: data}
	if n := q.r.URL.Query().Get("done"); n != "" {
		v.Notice = notices[n]
	}
	src := Prefix + "r/" + q.region + "/connections/status?"
	switch name {
	case "connections":
		v.StatusSrc = src + "page=" + strconv.Itoa(pageNumber(q.r))
	case "connection":
		v.StatusSrc = src + "VpnConnectionId=" + url.QueryEscape(q.r.PathValue("id"))
	case "gateway":
		v.StatusSrc = src + "VpnGatewayId=" + url.QueryEscape(q.r.PathValue("id"))
	}
	if v.StatusSrc != "" {
		v.Refresh = max(1, int(q.h.cfg.RefreshInterval/time.Second))
		v.Self = q.r.URL.RequestURI()
		if q.r.Method != http.MethodGet {
			v.Self = strings.TrimSuffix(q.r.URL.Path, "/reveal")
		}
	}
	q.h.render(q.w, status, name, v)
}

// fail renders the error page for a failed service call.
func (q *req) fail(title, nav string, err error, requestID string) {
	q.page(errStatus(err), "error", title, nav, nil, q.h.errorView(err, requestID))
}

// notices are the messages shown after a redirect (?done=...).
var notices = map[string]string{
	"cgw-created":  "Customer gateway created.",
	"cgw-modified": "Customer gateway saved.",
	"cgw-deleted":  "Customer gateway deleted.",
	"vco-created":  "IPsec connection created.",
	"vco-modified": "IPsec connection saved.",
	"vco-deleted":  "IPsec connection deleted.",
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusNotFound, "error", &view{Title: "Not found", Err: &errView{Title: "Not found",
		Message: "The console has no page at this address."}})
}

// csrfRefused answers a state-changing request without a valid CSRF token
// or from another site.
func (h *Handler) csrfRefused(w http.ResponseWriter, r *http.Request, q *req) {
	v := &view{Title: "Refused", Err: &errView{Title: "Request refused", Code: "InvalidCsrfToken",
		Message: "This form did not come from this console session (its CSRF token is missing or wrong, or the browser sent it from another site). Nothing was changed. Go back, reload the page and try again."}}
	if q != nil {
		v.User, v.CSRF, v.Region = q.p.ARN(), q.s.CSRF, q.region
	}
	h.render(w, http.StatusForbidden, "error", v)
}

// badForm answers a form body that could not be read: larger than
// maxFormBytes (413) or malformed (400). Nothing was changed.
func (h *Handler) badForm(w http.ResponseWriter, r *http.Request, q *req, err error) {
	status, code, msg := http.StatusBadRequest, "InvalidParameter", "The form could not be read. Nothing was changed. Go back, reload the page and try again."
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		status, code = http.StatusRequestEntityTooLarge, "RequestTooLarge"
		msg = fmt.Sprintf("The form is larger than the console accepts (%d KiB). Nothing was changed.", maxFormBytes>>10)
	}
	v := &view{Title: "Refused", Err: &errView{Title: "Request refused", Code: code, Message: msg}}
	if q != nil {
		v.User, v.CSRF, v.Region = q.p.ARN(), q.s.CSRF, q.region
	}
	h.render(w, status, "error", v)
}

// unavailable answers a request the console could not check or complete
// because the store failed (a session's revocation could not be read or
// written): 503, nothing changed, the cookie kept.
func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "5")
	h.render(w, http.StatusServiceUnavailable, "error", &view{Title: "Unavailable", Err: &errView{Title: "The server could not do this",
		Code: "ServiceUnavailable", Message: "The server could not check or record your session right now. Nothing was changed; try again in a moment."}})
}
