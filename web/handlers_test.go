package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kinbridge/kinbridge"
)

// login signs in through the page and returns the session cookie.
func (f *fixture) login(username, password string) (*http.Response, *http.Cookie) {
	f.tb.Helper()
	resp := f.post("/login", "", url.Values{"username": {username}, "password": {password}})
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return resp, c
		}
	}
	return resp, nil
}

func TestLoginLogout(t *testing.T) {
	f := newFixture(t)
	admin := f.user(kinbridge.RoleAdministrator, f.b)

	resp := f.get("/login", "")
	if body := readBody(t, resp); resp.StatusCode != 200 || !strings.Contains(body, `name="password"`) || !strings.Contains(body, `<label for="f-username">`) {
		t.Fatalf("GET /login: %d\n%s", resp.StatusCode, body)
	}

	resp, c := f.login(admin.Username, "wrong password!")
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnauthorized || c != nil || !strings.Contains(body, "Wrong username or password.") {
		t.Fatalf("bad password: %d cookie=%v\n%s", resp.StatusCode, c, body)
	}

	resp, c = f.login(admin.Username, testPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" || c == nil {
		t.Fatalf("login: %d → %s, cookie %v", resp.StatusCode, resp.Header.Get("Location"), c)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
		t.Errorf("cookie flags: %+v", c)
	}
	// Signing in again gives a new session id, and ends the old one.
	r := httptest_post("/login", url.Values{"username": {admin.Username}, "password": {testPassword}, "next": {"/units"}})
	r.AddCookie(c)
	resp2 := f.do(r)
	var c2 *http.Cookie
	for _, x := range resp2.Cookies() {
		if x.Name == sessionCookie {
			c2 = x
		}
	}
	if c2 == nil || c2.Value == c.Value || resp2.Header.Get("Location") != "/units" {
		t.Fatalf("second login: cookie %v (first %v), → %s", c2, c, resp2.Header.Get("Location"))
	}
	if resp := f.get("/", c.Value); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("old session still works after a new login: %d", resp.StatusCode)
	}

	resp = f.get("/", c2.Value)
	if body := readBody(t, resp); resp.StatusCode != 200 || !strings.Contains(body, admin.Username) || !strings.Contains(body, "Office B") {
		t.Fatalf("home: %d\n%s", resp.StatusCode, body)
	}

	resp = f.post("/logout", c2.Value, url.Values{})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp = f.get("/units", c2.Value)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Funits" {
		t.Errorf("after logout: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	// A crafted next never leaves the site.
	resp = f.post("/login", "", url.Values{"username": {admin.Username}, "password": {testPassword}, "next": {"//evil.example/x"}})
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("next=//evil.example: redirected to %q", loc)
	}
}

func httptest_post(path string, form url.Values) *http.Request {
	r := newRequest("POST", path)
	r.Body = ioNopCloser(form.Encode())
	r.ContentLength = int64(len(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestSecureCookies(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.SecureCookies = true })
	admin := f.user(kinbridge.RoleAdministrator, f.b)
	_, c := f.login(admin.Username, testPassword)
	if c == nil || !c.Secure {
		t.Fatalf("cookie %+v, want Secure", c)
	}
}

func TestLoginRateLimited(t *testing.T) {
	f := newFixture(t)
	admin := f.user(kinbridge.RoleAdministrator, f.b)
	var resp *http.Response
	for i := 0; i < 6; i++ {
		resp, _ = f.login(admin.Username, "not the password")
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatalf("6th failure: %d\n%s", resp.StatusCode, body)
	}
	// Even the right password is refused while the account is limited.
	resp, c := f.login(admin.Username, testPassword)
	if resp.StatusCode != http.StatusTooManyRequests || c != nil {
		t.Errorf("right password while limited: %d, cookie %v", resp.StatusCode, c)
	}
	// The refusal is in the visitor's language.
	r := httptest_post("/login", url.Values{"username": {admin.Username}, "password": {"x"}})
	r.Header.Set("Accept-Language", "ko")
	resp = f.do(r)
	if body := readBody(t, resp); !strings.Contains(body, "로그인 실패가 너무 많습니다") {
		t.Errorf("Korean rate-limit message missing:\n%s", body)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	f := newFixture(t)
	admin := f.user(kinbridge.RoleAdministrator, f.b)
	sess := f.session(admin)
	form := url.Values{"parent_id": {id(f.b.ID)}, "name_en": {"Forged"}, "time_zone": {"UTC"}}

	r := httptest_post("/units", form)
	r.AddCookie(cookie(sessionCookie, sess))
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	resp := f.do(r)
	if body := readBody(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "sent from another site") {
		t.Fatalf("cross-site post: %d\n%s", resp.StatusCode, body)
	}
	r = httptest_post("/units", form)
	r.AddCookie(cookie(sessionCookie, sess))
	r.Header.Set("Origin", "https://evil.example")
	if resp := f.do(r); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("post with a foreign Origin: %d", resp.StatusCode)
	}
	units, _ := f.svc.FindUnits(f.ctx)
	for _, u := range units {
		if u.Names.EN == "Forged" {
			t.Fatal("the cross-site post created a unit")
		}
	}

	r = httptest_post("/units", form)
	r.AddCookie(cookie(sessionCookie, sess))
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if resp := f.do(r); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin post: %d", resp.StatusCode)
	}
	// A cross-site GET is a plain navigation: allowed.
	r = newRequest("GET", "/units")
	r.AddCookie(cookie(sessionCookie, sess))
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp := f.do(r); resp.StatusCode != http.StatusOK {
		t.Fatalf("cross-site GET: %d", resp.StatusCode)
	}
	// The API answers the refusal in JSON.
	_, secret := f.apiToken(admin)
	r = newRequest("POST", "/api/v1/tokens")
	r.Header.Set("Authorization", "Bearer "+secret)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	resp = f.do(r)
	if e := apiErr(t, resp); resp.StatusCode != http.StatusForbidden || e.Code != "forbidden" {
		t.Fatalf("cross-site API post: %d %+v", resp.StatusCode, e)
	}
}

func TestLanguageSwitch(t *testing.T) {
	f := newFixture(t)
	admin := f.user(kinbridge.RoleAdministrator, f.b)
	sess := f.session(admin)

	body := readBody(t, f.get("/units", sess))
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Unit tree") {
		t.Fatalf("English page expected:\n%s", body)
	}
	resp := f.post("/account/language", sess, url.Values{"lang": {"ko"}, "next": {"/units"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/units" {
		t.Fatalf("switch: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	body = readBody(t, f.get("/units", sess))
	for _, want := range []string{`<html lang="ko">`, "부서 구조", "부서 추가", "영어 이름", "B 사무소", "관리자"} {
		if !strings.Contains(body, want) {
			t.Errorf("Korean page lacks %q", want)
		}
	}
	// Remembered with the user: a new session is in Korean too.
	if body := readBody(t, f.get("/account", f.session(admin))); !strings.Contains(body, "내 계정") {
		t.Error("language not remembered for the user")
	}
	if u, _ := f.svc.FindUserByID(f.ctx, admin.ID); u.Lang != "ko" {
		t.Errorf("stored language = %q", u.Lang)
	}

	resp = f.post("/account/language", sess, url.Values{"lang": {"zh"}})
	body = readBody(t, f.get("/units", sess))
	if !strings.Contains(body, `<html lang="zh-Hans">`) || !strings.Contains(body, "单位结构") || !strings.Contains(body, "B 办事处") {
		t.Errorf("Chinese page expected:\n%s", body)
	}
}

func TestVisitorLanguage(t *testing.T) {
	f := newFixture(t)
	r := newRequest("GET", "/login")
	r.Header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
	if body := readBody(t, f.do(r)); !strings.Contains(body, "登录 kinbridge") || !strings.Contains(body, `lang="zh-Hans"`) {
		t.Errorf("Accept-Language zh: not Chinese:\n%s", body)
	}
	resp := f.post("/language", "", url.Values{"lang": {"ko"}, "next": {"/login"}})
	var lc *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == langCookie {
			lc = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || lc == nil || lc.Value != "ko" {
		t.Fatalf("POST /language: %d, cookie %v", resp.StatusCode, lc)
	}
	r = newRequest("GET", "/login")
	r.Header.Set("Accept-Language", "zh-CN")
	r.AddCookie(lc)
	if body := readBody(t, f.do(r)); !strings.Contains(body, "kinbridge 로그인") || !strings.Contains(body, `<label for="f-username">사용자 이름</label>`) {
		t.Errorf("language cookie ko: not Korean:\n%s", body)
	}
}

func TestFormFieldErrors(t *testing.T) {
	f := newFixture(t)
	admin := f.user(kinbridge.RoleAdministrator, f.b)
	sess := f.session(admin)

	resp := f.post("/units", sess, url.Values{"parent_id": {id(f.b.ID)}, "time_zone": {"Asia/Seoul"}})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unit without a name: %d", resp.StatusCode)
	}
	for _, want := range []string{`id="f-name_en-error"`, "Give the unit a name in at least one language.", `aria-invalid="true"`, `aria-describedby="f-name_en-error"`, `value="Asia/Seoul"`} {
		if !strings.Contains(body, want) {
			t.Errorf("unit form: missing %q", want)
		}
	}

	resp = f.post("/units", sess, url.Values{"parent_id": {id(f.b.ID)}, "name_en": {"X"}, "time_zone": {"Mars/Olympus"}})
	if body := readBody(t, resp); !strings.Contains(body, `id="f-time_zone-error"`) || !strings.Contains(body, `Unknown time zone &#34;Mars/Olympus&#34;`) {
		t.Errorf("time zone error not at its field:\n%s", body)
	}

	// Moving a unit under its own subtree: refused at the parent picker, in
	// the user's language.
	grandchild := f.unit(f.c.ID, "Office F", "", "")
	if err := f.svc.SetOwnLanguage(f.actor(admin), "ko"); err != nil {
		t.Fatal(err)
	}
	resp = f.post(fmt.Sprintf("/units/%d/move", f.c.ID), sess, url.Values{"parent_id": {id(grandchild.ID)}})
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-parent_id-error"`) ||
		!strings.Contains(body, "부서를 자기 자신이나 자신의 하위 부서 아래로 옮길 수 없습니다.") {
		t.Errorf("cycle: %d\n%s", resp.StatusCode, body)
	}

	// Users: a taken username; passwords are never sent back.
	resp = f.post("/users", sess, url.Values{"username": {admin.Username}, "role": {"officer"}, "unit_id": {id(f.b.ID)}, "password": {"secret-secret-1"}, "lang": {"en"}})
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-username-error"`) || strings.Contains(body, "secret-secret-1") {
		t.Errorf("taken username: %d\n%s", resp.StatusCode, body)
	}

	// Own password: the confirmation must match; a wrong current password
	// is shown at its field.
	resp = f.post("/account/password", sess, url.Values{"current_password": {testPassword}, "new_password": {"a-new-password"}, "new_password_confirm": {"another"}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-new_password_confirm-error"`) {
		t.Errorf("mismatch: %d\n%s", resp.StatusCode, body)
	}
	resp = f.post("/account/password", sess, url.Values{"current_password": {"wrong"}, "new_password": {"a-new-password"}, "new_password_confirm": {"a-new-password"}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-current_password-error"`) {
		t.Errorf("wrong current password: %d\n%s", resp.StatusCode, body)
	}
}

func TestAPIErrors(t *testing.T) {
	f := newFixture(t)
	admin := f.user(kinbridge.RoleAdministrator, f.b)
	officer := f.user(kinbridge.RoleOfficer, f.b)
	_, adminToken := f.apiToken(admin)
	_, officerToken := f.apiToken(officer)

	for _, tt := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		code, field               string
	}{
		{"no token", "GET", "/api/v1/me", "", nil, 401, "unauthorized", ""},
		{"unknown token", "GET", "/api/v1/me", "kb_nope", nil, 401, "unauthorized", ""},
		{"no such unit", "GET", "/api/v1/units/99999", adminToken, nil, 404, "not_found", ""},
		{"unit out of scope", "GET", fmt.Sprintf("/api/v1/units/%d", f.d.ID), adminToken, nil, 404, "not_found", ""},
		{"id not a number", "GET", "/api/v1/units/abc", adminToken, nil, 404, "not_found", ""},
		{"no such path", "GET", "/api/v1/nothing", adminToken, nil, 404, "not_found", ""},
		{"role may not", "GET", "/api/v1/users", officerToken, nil, 403, "forbidden", ""},
		{"invalid field", "POST", "/api/v1/units", adminToken, map[string]any{"parent_id": f.b.ID, "name_en": " "}, 422, "invalid", "name_en"},
		{"wrong type", "POST", "/api/v1/units", adminToken, map[string]any{"parent_id": "B"}, 422, "invalid", "parent_id"},
		{"unknown field", "POST", "/api/v1/tokens", adminToken, map[string]any{"nmae": "x"}, 400, "bad_request", ""},
		{"malformed JSON", "POST", "/api/v1/tokens", adminToken, json.RawMessage(`{"name":`), 400, "bad_request", ""},
		{"conflict", "POST", fmt.Sprintf("/api/v1/users/%d/disable", admin.ID), adminToken, nil, 409, "conflict", ""},
		{"bad query", "GET", "/api/v1/audit?limit=x", adminToken, nil, 422, "invalid", "limit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var resp *http.Response
			if raw, ok := tt.body.(json.RawMessage); ok {
				r := newRequest(tt.method, tt.path)
				r.Body = ioNopCloser(string(raw))
				r.Header.Set("Authorization", "Bearer "+tt.token)
				resp = f.do(r)
			} else {
				resp = f.api(tt.method, tt.path, tt.token, tt.body)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			e := apiErr(t, resp)
			if e.Code != tt.code || e.Field != tt.field || e.Message == "" {
				t.Errorf("error %+v, want code %s field %q and a message", e, tt.code, tt.field)
			}
			if tt.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}

	// An internal error shows a generic message; the details go to the log.
	var logs bytes.Buffer
	g := newFixture(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	u := g.user(kinbridge.RoleAdministrator, g.b)
	_, tok := g.apiToken(u)
	g.store.Close()
	resp := g.api("GET", "/api/v1/me", tok, nil)
	e := apiErr(t, resp)
	if resp.StatusCode != 500 || e.Code != "internal" || e.Message != "Internal error." {
		t.Errorf("internal: %d %+v", resp.StatusCode, e)
	}
	if !strings.Contains(logs.String(), "internal error") {
		t.Errorf("internal error not logged:\n%s", logs.String())
	}
}

func TestTokenAuth(t *testing.T) {
	f := newFixture(t)
	admin := f.user(kinbridge.RoleAdministrator, f.b)
	sess := f.session(admin)

	// Created on the account page: the secret is shown once.
	resp := f.post("/account/tokens", sess, url.Values{"name": {"backup script"}})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create token: %d\n%s", resp.StatusCode, body)
	}
	i := strings.Index(body, `value="kb_`)
	if i < 0 {
		t.Fatalf("secret not shown:\n%s", body)
	}
	secret := body[i+len(`value="`):]
	secret = secret[:strings.IndexByte(secret, '"')]
	if strings.Contains(readBody(t, f.get("/account", sess)), secret) {
		t.Error("the secret is shown again")
	}

	resp = f.api("GET", "/api/v1/me", secret, nil)
	var me map[string]any
	json.NewDecoder(resp.Body).Decode(&me)
	if resp.StatusCode != 200 || me["username"] != admin.Username || me["role"] != "administrator" {
		t.Fatalf("me: %d %v", resp.StatusCode, me)
	}
	// The session cookie does not open the API.
	r := newRequest("GET", "/api/v1/me")
	r.AddCookie(cookie(sessionCookie, sess))
	if resp := f.do(r); resp.StatusCode != 401 {
		t.Errorf("API with a session cookie: %d", resp.StatusCode)
	}

	// Create, list and revoke through the API too.
	resp = f.api("POST", "/api/v1/tokens", secret, map[string]string{"name": "second"})
	var created struct {
		Token  jsonToken `json:"token"`
		Secret string    `json:"secret"`
	}
	json.NewDecoder(resp.Body).Decode(&created)
	if resp.StatusCode != 201 || !strings.HasPrefix(created.Secret, "kb_") {
		t.Fatalf("API create: %d %+v", resp.StatusCode, created)
	}
	resp = f.api("DELETE", fmt.Sprintf("/api/v1/tokens/%d", created.Token.ID), secret, nil)
	if resp.StatusCode != 204 {
		t.Fatalf("API revoke: %d", resp.StatusCode)
	}
	if resp := f.api("GET", "/api/v1/me", created.Secret, nil); resp.StatusCode != 401 {
		t.Errorf("revoked token still works: %d", resp.StatusCode)
	}

	// Revoked on the page.
	tokens, _ := f.svc.FindOwnAPITokens(f.actor(admin))
	var first int64
	for _, tk := range tokens {
		if tk.Name == "backup script" {
			first = tk.ID
		}
	}
	resp = f.post(fmt.Sprintf("/account/tokens/%d/revoke", first), sess, url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("page revoke: %d", resp.StatusCode)
	}
	if resp := f.api("GET", "/api/v1/me", secret, nil); resp.StatusCode != 401 {
		t.Errorf("revoked token still works: %d", resp.StatusCode)
	}
	// A disabled user's token stops working.
	officer := f.user(kinbridge.RoleOfficer, f.b)
	_, otok := f.apiToken(officer)
	if err := f.svc.DisableUser(f.actor(admin), officer.ID); err != nil {
		t.Fatal(err)
	}
	if resp := f.api("GET", "/api/v1/me", otok, nil); resp.StatusCode != 401 {
		t.Errorf("disabled user's token: %d", resp.StatusCode)
	}
}

func TestMetricsAndLogs(t *testing.T) {
	var logs bytes.Buffer
	f := newFixture(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	admin := f.user(kinbridge.RoleAdministrator, f.b)
	sess := f.session(admin)
	f.get(fmt.Sprintf("/units/%d", f.c.ID), sess)
	f.get(fmt.Sprintf("/units/%d", f.b.ID), sess)
	f.get("/no/such/page", sess)

	resp := f.get("/metrics", "")
	body := readBody(t, resp)
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`kinbridge_http_requests_total{method="GET",route="/units/{id}",status="200"} 2`,
		`kinbridge_http_request_duration_seconds_bucket{method="GET",route="/units/{id}",status="200",le="+Inf"} 2`,
		`kinbridge_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`go_sql_open_connections{db_name="write"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, fmt.Sprintf(`route="/units/%d"`, f.c.ID)) {
		t.Error("a metric is labelled with a raw path")
	}
	line := fmt.Sprintf(`msg=request method=GET route=/units/{id} path=/units/%d status=200`, f.c.ID)
	if !strings.Contains(logs.String(), line) || !strings.Contains(logs.String(), fmt.Sprintf("user_id=%d", admin.ID)) {
		t.Errorf("request log lacks %q with user_id=%d:\n%s", line, admin.ID, logs.String())
	}
}

func TestHealthz(t *testing.T) {
	f := newFixture(t)
	resp := f.get("/healthz", "")
	if body := readBody(t, resp); resp.StatusCode != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", resp.StatusCode, body)
	}
	f.store.Close()
	if resp := f.get("/healthz", ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("healthz with the store closed: %d", resp.StatusCode)
	}
}

func TestUsersPagingAndAudit(t *testing.T) {
	f := newFixture(t)
	admin := f.user(kinbridge.RoleAdministrator, f.b)
	sess := f.session(admin)
	var news []kinbridge.NewUser
	for i := 0; i < 60; i++ {
		news = append(news, kinbridge.NewUser{Username: fmt.Sprintf("paged%02d", i), Role: kinbridge.RoleOfficer, UnitID: f.c.ID, PasswordHash: testPasswordHash(t)})
	}
	if _, err := f.svc.CreateUsers(f.ctx, news, nil); err != nil {
		t.Fatal(err)
	}
	body := readBody(t, f.get("/users", sess))
	if !strings.Contains(body, "Page 1 of 2") || !strings.Contains(body, `href="/users?page=2"`) || !strings.Contains(body, "Users (61)") {
		t.Errorf("users page 1:\n%s", body)
	}
	body = readBody(t, f.get("/users?page=2", sess))
	if !strings.Contains(body, "Page 2 of 2") || !strings.Contains(body, `href="/users?page=1"`) {
		t.Errorf("users page 2:\n%s", body)
	}
	body = readBody(t, f.get(fmt.Sprintf("/users?unit_id=%d", f.b.ID), sess))
	if !strings.Contains(body, "Users (1)") {
		t.Errorf("users of unit B:\n%s", body)
	}

	// Make more than a page of audit entries in the admin's scope.
	for i := 0; i < 55; i++ {
		if _, err := f.svc.UpdateUnit(f.actor(admin), f.c.ID, kinbridge.UnitNames{EN: fmt.Sprintf("C%d", i)}, "UTC"); err != nil {
			t.Fatal(err)
		}
	}
	body = readBody(t, f.get("/audit?record_type=unit", sess))
	if n := strings.Count(body, "<td>Renamed unit</td>"); n != 50 {
		t.Errorf("audit page shows %d renames, want 50", n)
	}
	i := strings.Index(body, `href="/audit?before=`)
	if i < 0 {
		t.Fatalf("no older link:\n%s", body)
	}
	older := body[i+len(`href="`):]
	older = strings.ReplaceAll(older[:strings.IndexByte(older, '"')], "&amp;", "&")
	body = readBody(t, f.get(older, sess))
	if n := strings.Count(body, "<td>Renamed unit</td>"); n != 5 {
		t.Errorf("older page shows %d renames, want 5", n)
	}
	if !strings.Contains(body, "Newest entries") {
		t.Error("older page has no link back")
	}
	resp := f.get("/audit?record_id=x&from=yesterday", sess)
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-from-error"`) {
		t.Errorf("bad filter: %d\n%s", resp.StatusCode, body)
	}
	body = readBody(t, f.get("/audit?user="+admin.Username+"&record_type=unit&from=2000-01-01T00:00&to=2999-01-01T00:00", sess))
	if n := strings.Count(body, "<td>Renamed unit</td>"); n != 50 {
		t.Errorf("filtered audit shows %d renames, want 50", n)
	}
	body = readBody(t, f.get("/audit?user=nobody", sess))
	if !strings.Contains(body, "No entries match.") {
		t.Error("filter by unknown user shows entries")
	}

	// The API pages the same way.
	_, tok := f.apiToken(admin)
	resp = f.api("GET", "/api/v1/audit?record_type=unit&limit=50", tok, nil)
	var page struct {
		Entries    []jsonAuditEntry `json:"entries"`
		NextBefore *int64           `json:"next_before"`
	}
	json.NewDecoder(resp.Body).Decode(&page)
	if len(page.Entries) != 50 || page.NextBefore == nil {
		t.Fatalf("API audit page: %d entries, next %v", len(page.Entries), page.NextBefore)
	}
}
