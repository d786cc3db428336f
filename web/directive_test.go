package web

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/files"
)

// directiveFlow is the fixture of the directive tests: region A issues to
// offices B and D; B passes it on to its office C.
type directiveFlow struct {
	*fixture
	files                           *files.Dir
	supA, supB, offB, supD, offC    *kinbridge.User
	sesA, sesB, sesOffB, sesD, sesC string
}

func newDirectiveFlow(t *testing.T) *directiveFlow {
	t.Helper()
	f := newFixture(t)
	df := &directiveFlow{fixture: f, files: testFiles(t)}
	f.svc.SetAttachmentStore(df.files)
	df.supA, df.supB, df.offB = f.user(kinbridge.RoleSupervisor, f.a), f.user(kinbridge.RoleSupervisor, f.b), f.user(kinbridge.RoleOfficer, f.b)
	df.supD, df.offC = f.user(kinbridge.RoleSupervisor, f.d), f.user(kinbridge.RoleOfficer, f.c)
	df.sesA, df.sesB, df.sesOffB, df.sesD, df.sesC = f.session(df.supA), f.session(df.supB), f.session(df.offB), f.session(df.supD), f.session(df.offC)
	return df
}

// wantStatus reads the response and fails unless its status is want.
func wantStatus(t *testing.T, resp *http.Response, want int, what string) string {
	t.Helper()
	body := readBody(t, resp)
	if resp.StatusCode != want {
		t.Fatalf("%s: got %d, want %d: %s", what, resp.StatusCode, want, excerpt(body))
	}
	return body
}

// issuedID is the directive id of the redirect after issuing or amending.
func issuedID(t *testing.T, resp *http.Response) int64 {
	t.Helper()
	loc := resp.Header.Get("Location")
	rest, ok := strings.CutPrefix(loc, "/directives/")
	if !ok {
		t.Fatalf("redirect to %q, want a directive", loc)
	}
	rest, _, _ = strings.Cut(rest, "?")
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		t.Fatalf("redirect to %q: %v", loc, err)
	}
	return n
}

type upload struct{ name, content string }

// postReport posts the report form as multipart, with the files as
// attachments.
func (f *fixture) postReport(path, session, narrative string, files ...upload) *http.Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("narrative", narrative)
	for _, u := range files {
		fw, _ := mw.CreateFormFile("attachments", u.name)
		io.WriteString(fw, u.content)
	}
	mw.Close()
	r := httptest.NewRequest("POST", path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	return f.do(r)
}

func assignmentPath(as *kinbridge.Assignment, rest string) string {
	return "/assignments/" + id(as.ID) + rest
}

// TestDirectiveCycle goes through a directive's whole life over HTTP: A
// issues to B and D; B passes it on to C; each acknowledges and reports
// (the evidence shown before submitting, attachments checked by content);
// a report is returned with a comment and reported again; all are
// accepted, and the roll-up at A is 100%.
func TestDirectiveCycle(t *testing.T) {
	f := newDirectiveFlow(t)
	due := time.Now().Add(20 * 24 * time.Hour).Format(time.DateOnly)

	// A's supervisor sees the issue form with B and D to choose from.
	body := wantStatus(t, f.get("/directives/new", f.sesA), http.StatusOK, "issue form")
	for _, want := range []string{`name="addressees" value="` + id(f.b.ID) + `"`, `name="addressees" value="` + id(f.d.ID) + `"`, `name="depth"`} {
		if !strings.Contains(body, want) {
			t.Errorf("issue form lacks %s", want)
		}
	}
	// Without addressees the form comes back with the error at its field.
	resp := f.post("/directives", f.sesA, url.Values{"issuer_unit_id": {id(f.a.ID)}, "title": {"Visit everyone"}, "due_at": {due}, "to": {"units"}})
	if body := wantStatus(t, resp, http.StatusUnprocessableEntity, "issue without addressees"); !strings.Contains(body, `id="f-addressees-error"`) {
		t.Errorf("no error at the addressees: %s", excerpt(body))
	}
	resp = f.post("/directives", f.sesA, url.Values{"issuer_unit_id": {id(f.a.ID)}, "title": {"Visit everyone"},
		"body":   {"Visit **every** household.\n\n<script>alert('x')</script>\n\n[click](javascript:alert(1))"},
		"due_at": {due}, "to": {"units"}, "addressees": {id(f.b.ID), id(f.d.ID)}, "report_weekly": {"1"}})
	wantStatus(t, resp, http.StatusSeeOther, "issue")
	dirID := issuedID(t, resp)

	// The body is rendered as Markdown without raw HTML or script links.
	body = wantStatus(t, f.get(directiveURL(dirID), f.sesA), http.StatusOK, "directive page")
	if !strings.Contains(body, "<strong>every</strong>") {
		t.Error("the Markdown body is not rendered")
	}
	rendered := body[strings.Index(body, `id="directive-body"`):]
	rendered = rendered[:strings.Index(rendered, "</section>")]
	for _, bad := range []string{"<script", "javascript:"} {
		if strings.Contains(rendered, bad) {
			t.Errorf("the rendered body holds %q: %s", bad, rendered)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("the page holds a script element")
	}

	// B's inbox lists it, delivered; B's supervisor was notified.
	body = wantStatus(t, f.get("/directives", f.sesB), http.StatusOK, "B's inbox")
	if !strings.Contains(body, "Visit everyone") || !strings.Contains(body, "astate-delivered") {
		t.Errorf("B's inbox: %s", excerpt(body))
	}
	if body = wantStatus(t, f.get("/inbox", f.sesB), http.StatusOK, "B's notifications"); !strings.Contains(body, "A directive reached your unit") ||
		!strings.Contains(body, `<a href="/directives/`+id(dirID)+`">`) {
		t.Error("B's supervisor was not told of the directive, with a link to it")
	}
	if body = wantStatus(t, f.get("/directives/issued", f.sesA), http.StatusOK, "A's outbox"); !strings.Contains(body, "Visit everyone") {
		t.Error("A's outbox lacks the directive")
	}

	// B passes it on to C, due no later than its own.
	body = wantStatus(t, f.get(directiveURL(dirID)+"/pass-on", f.sesB), http.StatusOK, "pass-on form")
	if !strings.Contains(body, `name="parent_id" value="`+id(dirID)+`"`) || !strings.Contains(body, `value="Visit everyone"`) {
		t.Errorf("the pass-on form is not prefilled: %s", excerpt(body))
	}
	late := time.Now().Add(40 * 24 * time.Hour).Format(time.DateOnly)
	passOn := url.Values{"parent_id": {id(dirID)}, "issuer_unit_id": {id(f.b.ID)}, "title": {"Visit everyone (B)"}, "body": {"Our part."},
		"due_at": {late}, "to": {"units"}, "addressees": {id(f.c.ID)}}
	if body := wantStatus(t, f.post("/directives", f.sesB, passOn), http.StatusUnprocessableEntity, "pass on due later"); !strings.Contains(body, `id="f-due_at-error"`) {
		t.Errorf("a later due date is not refused at its field: %s", excerpt(body))
	}
	passOn.Set("due_at", due)
	resp = f.post("/directives", f.sesB, passOn)
	wantStatus(t, resp, http.StatusSeeOther, "pass on")
	derivedID := issuedID(t, resp)
	body = wantStatus(t, f.get(directiveURL(derivedID), f.sesB), http.StatusOK, "derived page")
	if !strings.Contains(body, `id="parent-link"`) {
		t.Error("the derived directive does not link to its parent")
	}
	if body = wantStatus(t, f.get(directiveURL(dirID), f.sesB), http.StatusOK, "parent page"); !strings.Contains(body, `/directives/`+id(derivedID)+`"`) {
		t.Error("the directive does not link to the one passing it on")
	}

	// B follows the roll-up link of the directive it received: at its unit.
	body = wantStatus(t, f.get(directiveURL(dirID), f.sesB), http.StatusOK, "B on the directive")
	if !strings.Contains(body, `href="/directives/`+id(dirID)+`/rollup?unit=`+id(f.b.ID)+`"`) {
		t.Error("B's roll-up link is not at its unit")
	}
	wantStatus(t, f.get(directiveURL(dirID)+"/rollup?unit="+id(f.b.ID), f.sesB), http.StatusOK, "B's roll-up")
	body = wantStatus(t, f.get(directiveURL(derivedID)+"/rollup", f.sesB), http.StatusOK, "roll-up of the derived directive")
	if !strings.Contains(body, `id="rollup-parent"`) {
		t.Error("the derived directive's roll-up does not lead up to its parent")
	}

	// Out of scope: D's supervisor does not learn that B's directive exists.
	wantStatus(t, f.get(directiveURL(derivedID), f.sesD), http.StatusNotFound, "D on B's directive")

	d := &kinbridge.Directive{ID: dirID}
	asB, asD := f.assignmentOf(d, f.b), f.assignmentOf(d, f.d)
	asC := f.assignmentOf(&kinbridge.Directive{ID: derivedID}, f.c)

	// Acknowledge: B's officer, D's supervisor, C's officer.
	for _, x := range []struct {
		as  *kinbridge.Assignment
		ses string
	}{{asB, f.sesOffB}, {asD, f.sesD}, {asC, f.sesC}} {
		wantStatus(t, f.post(assignmentPath(x.as, "/acknowledge"), x.ses, url.Values{"version": {id(x.as.Version)}}), http.StatusSeeOther, "acknowledge")
	}

	// B's officer visits a household of B since the directive was issued.
	h := f.household(f.b, "1 Evidence Street")
	if err := f.svc.RecordVisit(f.actor(f.offB), &kinbridge.Visit{HouseholdID: h.ID, At: time.Now(), OfficerIDs: []int64{f.offB.ID}, Purpose: "Directive"}, nil); err != nil {
		t.Fatal(err)
	}

	// B's report form shows the evidence before it is sent.
	body = wantStatus(t, f.get(assignmentPath(asB, "/report"), f.sesOffB), http.StatusOK, "report form")
	if !strings.Contains(body, `<dd class="ev-visits">1</dd>`) || !strings.Contains(body, `<dd class="ev-visited">1 of 1</dd>`) {
		t.Errorf("the evidence shown is not the visit: %s", excerpt(body[strings.Index(body, "evidence-preview"):]))
	}
	for _, want := range []string{`id="evidence-preview"`, `class="ev-visits"`, `id="report-form"`, `enctype="multipart/form-data"`} {
		if !strings.Contains(body, want) {
			t.Errorf("report form lacks %s", want)
		}
	}
	// A program is refused at the attachments field, and so is a file too
	// large; neither leaves a file behind.
	exe := "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + strings.Repeat("\x00", 64)
	body = wantStatus(t, f.postReport(assignmentPath(asB, "/report"), f.sesOffB, "Done.", upload{"tool.pdf", exe}), http.StatusUnprocessableEntity, "report with a program")
	if !strings.Contains(body, `id="f-attachments-error"`) {
		t.Errorf("the program is not refused at its field: %s", excerpt(body))
	}
	big := strings.Repeat("a", kinbridge.MaxAttachmentSize+1)
	body = wantStatus(t, f.postReport(assignmentPath(asB, "/report"), f.sesOffB, "Done.", upload{"big.txt", big}), http.StatusUnprocessableEntity, "report with a big file")
	if !strings.Contains(body, `id="f-attachments-error"`) || !strings.Contains(body, "10 MB") {
		t.Errorf("the big file is not refused at its field: %s", excerpt(body))
	}
	if n := countFiles(t, f.files); n != 0 {
		t.Errorf("%d files kept after refused reports", n)
	}
	pdf := "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
	wantStatus(t, f.postReport(assignmentPath(asB, "/report"), f.sesOffB, "We visited every household.", upload{"visits.pdf", pdf}), http.StatusSeeOther, "B's report")

	// A reviews: the report with its evidence and attachment; returned.
	body = wantStatus(t, f.get(directiveURL(dirID)+"/reports", f.sesA), http.StatusOK, "review page")
	if !strings.Contains(body, "We visited every household.") || !strings.Contains(body, "visits.pdf") || !strings.Contains(body, `class="ev-visits"`) {
		t.Errorf("review page: %s", excerpt(body))
	}
	reps, err := f.svc.FindReports(f.directiveBoss(), asB.ID)
	if err != nil || len(reps) != 1 || len(reps[0].Attachments) != 1 {
		t.Fatalf("B's reports: %v, %v", reps, err)
	}
	if ev := reps[0].Evidence; ev.Visits != 1 || ev.HouseholdsVisited != 1 || ev.Households != 1 {
		t.Errorf("the report's evidence %+v is not what the form showed", ev)
	}
	att := reps[0].Attachments[0]
	resp = f.get("/attachments/"+id(att.ID), f.sesA)
	if got := wantStatus(t, resp, http.StatusOK, "attachment"); got != pdf {
		t.Error("the attachment's bytes differ")
	}
	if h := resp.Header; h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("attachment headers: %v", h)
	}
	wantStatus(t, f.get("/attachments/"+id(att.ID), f.sesD), http.StatusNotFound, "D on B's attachment")

	resp = f.post(assignmentPath(asB, "/review"), f.sesA, url.Values{"action": {"return"}})
	wantStatus(t, resp, http.StatusUnprocessableEntity, "return without a comment")
	resp = f.post(assignmentPath(asB, "/review"), f.sesA, url.Values{"action": {"return"}, "note": {"Add the list of households."}})
	wantStatus(t, resp, http.StatusSeeOther, "return")
	if body = wantStatus(t, f.get("/inbox", f.sesOffB), http.StatusOK, "B officer's notifications"); !strings.Contains(body, "Add the list of households.") {
		t.Error("the reporter is not told why the report was returned")
	}
	// B reports again; A accepts.
	wantStatus(t, f.postReport(assignmentPath(asB, "/report"), f.sesOffB, "The list is attached.", upload{"list.txt", "1 Main Street\n"}), http.StatusSeeOther, "B's second report")
	wantStatus(t, f.post(assignmentPath(asB, "/review"), f.sesA, url.Values{"action": {"accept"}}), http.StatusSeeOther, "accept B")

	// D (its narrative a formula) and C report; A accepts D, B accepts C.
	wantStatus(t, f.postReport(assignmentPath(asD, "/report"), f.sesD, "=HYPERLINK(\"http://evil\")"), http.StatusSeeOther, "D's report")
	wantStatus(t, f.postReport(assignmentPath(asC, "/report"), f.sesC, "C did its part."), http.StatusSeeOther, "C's report")
	wantStatus(t, f.post(assignmentPath(asD, "/review"), f.sesA, url.Values{"action": {"accept"}}), http.StatusSeeOther, "accept D")
	wantStatus(t, f.post(assignmentPath(asC, "/review"), f.sesB, url.Values{"action": {"accept"}}), http.StatusSeeOther, "accept C")

	// The roll-up at A: every assignment of the cascade accepted.
	body = wantStatus(t, f.get(directiveURL(dirID)+"/rollup", f.sesA), http.StatusOK, "roll-up")
	if !strings.Contains(body, `<strong>100%</strong>`) || !strings.Contains(body, `id="stat-total"><strong>3</strong>`) {
		t.Errorf("roll-up at A: %s", excerpt(body[strings.Index(body, "rollup-stats"):]))
	}
	if !strings.Contains(body, "<svg") || !strings.Contains(body, `id="child-`+id(f.b.ID)+`"`) {
		t.Error("the roll-up lacks its chart or B's line")
	}
	// Down to B, and back up.
	body = wantStatus(t, f.get(directiveURL(dirID)+"/rollup?unit="+id(f.b.ID), f.sesA), http.StatusOK, "roll-up at B")
	if !strings.Contains(body, `id="rollup-up"`) || !strings.Contains(body, `id="stat-total"><strong>2</strong>`) {
		t.Errorf("roll-up at B: %s", excerpt(body[strings.Index(body, "crumbs"):]))
	}

	// Exports: the roll-up and the reports as XLSX (formula escaped), and
	// the printable page.
	resp = f.get(directiveURL(dirID)+"/rollup.xlsx", f.sesA)
	wantStatus(t, resp, http.StatusOK, "roll-up XLSX")
	resp = f.get(directiveURL(dirID)+"/reports.xlsx", f.sesA)
	x := wantStatus(t, resp, http.StatusOK, "reports XLSX")
	xf, err := excelize.OpenReader(strings.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := xf.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, row := range rows {
		for _, cell := range row {
			if strings.Contains(cell, "HYPERLINK") {
				found = true
				if !strings.HasPrefix(cell, "'") {
					t.Errorf("formula not escaped: %q", cell)
				}
			}
		}
	}
	if !found || len(rows) != 3 {
		t.Errorf("reports XLSX rows: %q", rows)
	}
	body = wantStatus(t, f.get(directiveURL(dirID)+"/print", f.sesA), http.StatusOK, "printable page")
	if !strings.Contains(body, "print-page") || !strings.Contains(body, "The list is attached.") {
		t.Error("the printable page lacks the reports")
	}
}

// TestDirectiveAmendment: an amendment makes the acknowledgement stale; a
// POST on the old version's assignment is refused with the message.
func TestDirectiveAmendment(t *testing.T) {
	f := newDirectiveFlow(t)
	due := time.Now().Add(20 * 24 * time.Hour).Format(time.DateOnly)
	resp := f.post("/directives", f.sesA, url.Values{"issuer_unit_id": {id(f.a.ID)}, "title": {"Count households"}, "due_at": {due},
		"to": {"units"}, "addressees": {id(f.b.ID)}})
	wantStatus(t, resp, http.StatusSeeOther, "issue")
	v1 := issuedID(t, resp)
	old := f.assignmentOf(&kinbridge.Directive{ID: v1}, f.b)
	wantStatus(t, f.post(assignmentPath(old, "/acknowledge"), f.sesB, url.Values{}), http.StatusSeeOther, "acknowledge v1")

	// Amending needs a note.
	if body := wantStatus(t, f.post(directiveURL(v1)+"/amend", f.sesA, url.Values{"title": {"Count households"}, "due_at": {due}}),
		http.StatusUnprocessableEntity, "amend without note"); !strings.Contains(body, `id="f-note-error"`) {
		t.Error("the missing note is not shown at its field")
	}
	resp = f.post(directiveURL(v1)+"/amend", f.sesA, url.Values{"title": {"Count households and persons"}, "due_at": {due}, "note": {"Persons too."}})
	wantStatus(t, resp, http.StatusSeeOther, "amend")
	v2 := issuedID(t, resp)
	if v2 == v1 {
		t.Fatal("the amendment is not a new version")
	}
	// B's assignment is delivered again, on version 2.
	cur := f.assignmentOf(&kinbridge.Directive{ID: v2}, f.b)
	if cur.State != kinbridge.AssignmentDelivered {
		t.Errorf("B's assignment of v2 is %s, want delivered", cur.State)
	}
	body := wantStatus(t, f.get(directiveURL(v1), f.sesB), http.StatusOK, "old version")
	if !strings.Contains(body, `id="superseded"`) {
		t.Error("the old version does not say it was amended")
	}
	// The old version's acknowledgement is refused, with the way out.
	body = wantStatus(t, f.post(assignmentPath(old, "/acknowledge"), f.sesB, url.Values{}), http.StatusConflict, "acknowledge v1 again")
	if !strings.Contains(body, "amended or withdrawn: act on the version in force") {
		t.Errorf("no clear message: %s", excerpt(body))
	}
	// In Korean too.
	ko := f.user(kinbridge.RoleSupervisor, f.b)
	if err := f.svc.SetOwnLanguage(f.actor(ko), kinbridge.LangKorean); err != nil {
		t.Fatal(err)
	}
	body = wantStatus(t, f.post(assignmentPath(old, "/acknowledge"), f.session(ko), url.Values{}), http.StatusConflict, "acknowledge v1 in Korean")
	if !strings.Contains(body, "시행 중인 판에 따라 조치하십시오") {
		t.Errorf("no Korean message: %s", excerpt(body))
	}
	wantStatus(t, f.post(assignmentPath(cur, "/acknowledge"), f.sesB, url.Values{}), http.StatusSeeOther, "acknowledge v2")

	// Withdrawn with a reason: the page says so.
	wantStatus(t, f.post(directiveURL(v2)+"/withdraw", f.sesA, url.Values{"reason": {"Done elsewhere."}}), http.StatusSeeOther, "withdraw")
	if body = wantStatus(t, f.get(directiveURL(v2), f.sesB), http.StatusOK, "withdrawn"); !strings.Contains(body, "Done elsewhere.") {
		t.Error("the withdrawal's reason is not shown")
	}
}

// TestDirectiveAPI: issue, acknowledge, report and accept through the API.
func TestDirectiveAPI(t *testing.T) {
	f := newDirectiveFlow(t)
	_, tokA := f.apiToken(f.supA)
	_, tokB := f.apiToken(f.supB)
	resp := f.api("POST", "/api/v1/directives", tokA, map[string]any{"issuer_unit_id": f.a.ID, "title": "API directive",
		"due_at": time.Now().Add(10 * 24 * time.Hour), "addressees": map[string]any{"depth": f.b.Depth}})
	body := wantStatus(t, resp, http.StatusCreated, "issue")
	var d jsonDirective
	decodeInto(t, body, &d)
	resp = f.api("GET", "/api/v1/directives?box=in", tokB, nil)
	if body = wantStatus(t, resp, http.StatusOK, "B's inbox"); !strings.Contains(body, `"API directive"`) {
		t.Errorf("B's inbox: %s", body)
	}
	as := f.assignmentOf(&kinbridge.Directive{ID: d.ID}, f.b)
	wantStatus(t, f.api("POST", "/api/v1/assignments/"+id(as.ID)+"/acknowledge", tokB, nil), http.StatusOK, "acknowledge")
	wantStatus(t, f.api("GET", "/api/v1/assignments/"+id(as.ID)+"/evidence", tokB, nil), http.StatusOK, "evidence")
	// A program sent as an attachment is refused, naming the file's field.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("narrative", "Done.")
	fw, _ := mw.CreateFormFile("attachments", "setup.exe")
	io.WriteString(fw, "MZ\x90\x00\x03\x00\x00\x00\x04\x00"+strings.Repeat("\x00", 64))
	mw.Close()
	r := httptest.NewRequest("POST", "/api/v1/assignments/"+id(as.ID)+"/reports", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Authorization", "Bearer "+tokB)
	resp = f.do(r)
	if e := apiErr(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || e.Field != "attachments[0].type" {
		t.Errorf("program attached: %d %+v", resp.StatusCode, e)
	}
	wantStatus(t, f.api("POST", "/api/v1/assignments/"+id(as.ID)+"/reports", tokB, map[string]any{"narrative": "Done."}), http.StatusCreated, "report")
	wantStatus(t, f.api("POST", "/api/v1/assignments/"+id(as.ID)+"/review", tokA, map[string]any{"action": "accept"}), http.StatusOK, "accept")
	resp = f.api("GET", "/api/v1/directives/"+id(d.ID)+"/rollup?unit_id="+id(f.b.ID), tokA, nil)
	if body = wantStatus(t, resp, http.StatusOK, "roll-up"); !strings.Contains(body, `"accepted":1`) {
		t.Errorf("roll-up at B: %s", body)
	}
	wantStatus(t, f.api("GET", "/api/v1/directives/"+id(d.ID)+"/reports", tokA, nil), http.StatusOK, "reports")
}

// TestMarkdownIsSafe: the directive body's Markdown keeps no raw HTML and
// no script links.
func TestMarkdownIsSafe(t *testing.T) {
	for _, src := range []string{
		"<script>alert(1)</script>",
		"[x](javascript:alert(1))",
		"<img src=x onerror=alert(1)>",
		"![x](javascript:alert(1))",
		"<a href=\"javascript:alert(1)\">x</a>",
	} {
		got := string(renderMarkdown(src))
		for _, bad := range []string{"<script", "javascript:", "onerror", "<img src=x"} {
			if strings.Contains(strings.ToLower(got), bad) {
				t.Errorf("%q renders %q, which holds %q", src, got, bad)
			}
		}
	}
	if got := string(renderMarkdown("**a** [b](https://example.org)")); !strings.Contains(got, "<strong>a</strong>") || !strings.Contains(got, `href="https://example.org"`) {
		t.Errorf("plain Markdown: %q", got)
	}
}

func decodeInto(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// TestAssignmentTransitionMessage: a refused step names the action and the
// state in the reader's language.
func TestAssignmentTransitionMessage(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	as := &kinbridge.Assignment{Live: true, State: kinbridge.AssignmentAccepted}
	stepErr := as.Step(kinbridge.AssignmentAcknowledge, time.Now())
	for lang, want := range map[string][]string{
		kinbridge.LangEnglish: {"Acknowledge", "accepted"},
		kinbridge.LangKorean:  {"수령 확인", "승인됨"},
		kinbridge.LangChinese: {"确认收到", "已接受"},
	} {
		got := newLocalizer(cats, lang).Err(stepErr)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", lang, got, w)
			}
		}
	}
}
