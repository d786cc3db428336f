package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// postMultipart posts a form as multipart, with the files as attachments.
func (f *fixture) postMultipart(path, session string, fields url.Values, files ...upload) *http.Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
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

// TestDirectiveAttachments: a directive is issued with a file attached
// (checked by content like a report's); the addressee sees and downloads
// it; a program is refused at the attachments field and nothing is issued;
// an amendment carries the file to the new version.
func TestDirectiveAttachments(t *testing.T) {
	f := newDirectiveFlow(t)
	due := time.Now().Add(20 * 24 * time.Hour).Format(time.DateOnly)
	form := url.Values{"issuer_unit_id": {id(f.a.ID)}, "title": {"Read the guidance"}, "due_at": {due}, "to": {"units"},
		"addressees": {id(f.b.ID)}}

	exe := "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + strings.Repeat("\x00", 64)
	resp := f.postMultipart("/directives", f.sesA, form, upload{"guidance.exe", exe})
	if body := wantStatus(t, resp, http.StatusUnprocessableEntity, "issue with a program attached"); !strings.Contains(body, `id="f-attachments-error"`) {
		t.Errorf("no error at the attachments: %s", excerpt(body))
	}
	if body := wantStatus(t, f.get("/directives/issued", f.sesA), http.StatusOK, "outbox"); strings.Contains(body, "Read the guidance") {
		t.Error("the refused directive was issued")
	}

	pdf := "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
	resp = f.postMultipart("/directives", f.sesA, form, upload{"guidance.pdf", pdf})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("issue with a PDF: %d %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	did := issuedID(t, resp)
	page := wantStatus(t, f.get("/directives/"+id(did), f.sesB), http.StatusOK, "the addressee's directive page")
	if !strings.Contains(page, `id="directive-attachments"`) || !strings.Contains(page, "guidance.pdf") {
		t.Fatalf("the addressee does not see the attachment: %s", excerpt(page))
	}
	link := page[strings.Index(page, `id="directive-attachments"`):]
	link = link[strings.Index(link, `href="`)+len(`href="`):]
	link = link[:strings.Index(link, `"`)]
	resp = f.get(link, f.sesB)
	if got := wantStatus(t, resp, http.StatusOK, "download"); got != pdf || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download: %q as %q", got, resp.Header.Get("Content-Type"))
	}

	resp = f.post("/directives/"+id(did)+"/amend", f.sesA, url.Values{"title": {"Read the new guidance"}, "due_at": {due}, "note": {"New title."}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("amend: %d %s", resp.StatusCode, excerpt(readBody(t, resp)))
	}
	v2 := issuedID(t, resp)
	if page := wantStatus(t, f.get("/directives/"+id(v2), f.sesB), http.StatusOK, "version 2"); !strings.Contains(page, "guidance.pdf") {
		t.Error("the amendment lost the attachment")
	}
}

// TestDirectiveAPIAttachments: the API issues a directive with a file as
// multipart (the directive as JSON in the part "directive"); a malformed
// part is a bad request.
func TestDirectiveAPIAttachments(t *testing.T) {
	f := newDirectiveFlow(t)
	_, tokA := f.apiToken(f.supA)
	post := func(directive string, files ...upload) *http.Response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("directive", directive)
		for _, u := range files {
			fw, _ := mw.CreateFormFile("attachments", u.name)
			io.WriteString(fw, u.content)
		}
		mw.Close()
		r := httptest.NewRequest("POST", "/api/v1/directives", &buf)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		r.Header.Set("Authorization", "Bearer "+tokA)
		return f.do(r)
	}
	due := time.Now().Add(10 * 24 * time.Hour).UTC().Format(time.RFC3339)
	in := `{"issuer_unit_id": ` + id(f.a.ID) + `, "title": "With a file", "due_at": "` + due + `", "addressees": {"unit_ids": [` + id(f.b.ID) + `]}}`
	resp := post(in, upload{"note.txt", "Read this first.\n"})
	body := wantStatus(t, resp, http.StatusCreated, "issue with a file")
	var d jsonDirective
	decodeInto(t, body, &d)
	page := wantStatus(t, f.get("/directives/"+id(d.ID), f.sesB), http.StatusOK, "the addressee's page")
	if !strings.Contains(page, "note.txt") {
		t.Errorf("the file is not on the directive's page: %s", excerpt(page))
	}
	if resp := post(`{"title": "x", "colour": "red"}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a directive part with an unknown field: %d, want 400", resp.StatusCode)
	}
}
