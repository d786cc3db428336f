package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kinbridge/kinbridge/demo"
)

// chromiumPath finds headless Chromium. Without it the browser tests skip
// loudly, except under CI=true, where a skipped browser test is a failure.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "SKIPPING BROWSER TEST: no chromium on the PATH (apt-get install chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " — and CI=true forbids skipping")
	}
	t.Skip(msg)
	return ""
}

// startDemo runs 'kinbridge demo' in-process on a free port and returns its
// base URL; the server stops when the test ends.
func startDemo(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	env, _, errb := testEnv(nil)
	env.OnListen = func(addr string) { addrc <- addr }
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"demo", "--db", filepath.Join(t.TempDir(), "kb.db"), "--addr", "127.0.0.1:0"}, env)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo server: %v", err)
		}
	})
	select {
	case addr := <-addrc:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("demo did not start: %v\n%s", err, errb.String())
	case <-time.After(60 * time.Second):
		t.Fatal("demo did not start within 60 s")
	}
	return ""
}

// newBrowser starts headless Chromium for one test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// css is the CSS selector type of chromedp.
type css = chromedp.CSS

// signIn fills the sign-in form and waits for the signed-in navigation.
func signIn(base, username, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css(`#f-username`)),
		chromedp.SendKeys(css(`#f-username`), username),
		chromedp.SendKeys(css(`#f-password`), password),
		clickAndLoad(`form[action="/login"] button[type=submit]`),
		chromedp.WaitVisible(css(`header nav`)),
	)
}

// clickAndLoad clicks the element and waits until the browser has loaded the
// next document: a flag set on the old page must be gone and the new page's
// main element visible.
func clickAndLoad(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`window.__kbOldPage = true`)(ctx, t)
			return err
		}),
		chromedp.Click(css(sel)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			for {
				old, err := chromedp.Evaluate[bool](`window.__kbOldPage === true && document.readyState !== 'loading'`)(ctx, t)
				if err == nil && !old {
					return nil
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(20 * time.Millisecond):
				}
			}
		}),
		chromedp.WaitVisible(css(`main`)),
	)
}

// textOf returns the text of the first element the selector finds.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// TestBrowserAdministration drives the real server in headless Chromium: an
// administrator signs in, switches to Korean and sees Korean labels, adds a
// unit and a child unit, adds a supervisor there; that supervisor signs in
// and sees only their unit's subtree.
func TestBrowserAdministration(t *testing.T) {
	ctx := newBrowser(t)
	base := startDemo(t)

	err := chromedp.Do(ctx,
		signIn(base, "admin", demo.Password),
		// Switch the language to Korean in the footer.
		chromedp.SetValue(css(`#lang-switch`), "ko"),
		clickAndLoad(`form.lang-switch button[type=submit]`),
		chromedp.WaitVisible(css(`html[lang="ko"] header nav`)),
	)
	if err != nil {
		t.Fatalf("sign in and switch to Korean: %v", err)
	}
	navUnits := textOf(t, ctx, `header nav a[href="/units"]`)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/units"), chromedp.WaitVisible(css(`main h1`))); err != nil {
		t.Fatal(err)
	}
	heading := textOf(t, ctx, `main h1`)
	if navUnits != "부서" || heading != "부서" {
		t.Errorf("after switching to Korean: nav %q, heading %q; want the Korean label 부서", navUnits, heading)
	}

	// Add a unit under headquarters, then a child under it.
	addUnit := func(parentName, name string) string {
		t.Helper()
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/units"),
			chromedp.WaitVisible(css(`#f-parent_id`)),
		)
		if err != nil {
			t.Fatalf("add unit %s: %v", name, err)
		}
		// Choose the parent option by its label.
		js := `[...document.querySelectorAll('#f-parent_id option')].find(o => o.textContent.trim().endsWith(` + jsString(parentName) + `)).value`
		value, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("find parent %s: %v", parentName, err)
		}
		err = chromedp.Do(ctx,
			chromedp.SetValue(css(`#f-parent_id`), value),
			chromedp.SendKeys(css(`#f-name_en`), name),
			chromedp.SetValue(css(`#f-time_zone`), "Asia/Seoul"),
			clickAndLoad(`form[action="/units"] button[type=submit]`),
		)
		if err != nil {
			t.Fatalf("add unit %s: %v", name, err)
		}
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], base+"/units/")
		if id == "" || strings.Contains(id, "/") {
			t.Fatalf("adding unit %s led to %s, not to its page", name, loc)
		}
		return id
	}
	unitID := addUnit("본부", "E2E Office")
	addUnit("E2E Office", "E2E Desk")

	// Add a supervisor at the new unit.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/users"),
		chromedp.WaitVisible(css(`#f-username`)),
		chromedp.SendKeys(css(`#f-username`), "e2e.supervisor"),
		chromedp.SetValue(css(`#f-role`), "supervisor"),
		chromedp.SetValue(css(`#f-unit_id`), unitID),
		chromedp.SetValue(css(`#f-lang`), "en"),
		chromedp.SendKeys(css(`#f-password`), "e2e password 123"),
		clickAndLoad(`form[action="/users"] button[type=submit]`),
	)
	if err != nil {
		t.Fatalf("add user: %v", err)
	}
	if body := textOf(t, ctx, `main`); !strings.Contains(body, "e2e.supervisor") {
		t.Fatalf("the new user's page does not show them:\n%s", body)
	}

	// Sign out, sign in as the new supervisor: only their subtree is shown.
	err = chromedp.Do(ctx,
		clickAndLoad(`form[action="/logout"] button`),
		signIn(base, "e2e.supervisor", "e2e password 123"),
		chromedp.Navigate(base+"/units"),
		chromedp.WaitVisible(css(`main h1`)),
	)
	if err != nil {
		t.Fatalf("sign in as the new user: %v", err)
	}
	tree := textOf(t, ctx, `section[aria-labelledby="tree-heading"]`)
	if !strings.Contains(tree, "E2E Office") || !strings.Contains(tree, "E2E Desk") {
		t.Errorf("the supervisor does not see their unit and its child:\n%s", tree)
	}
	for _, outside := range []string{"Headquarters", "본부", "总部", "Region"} {
		if strings.Contains(tree, outside) {
			t.Errorf("the supervisor sees %q, outside their subtree:\n%s", outside, tree)
		}
	}
	// A unit outside the subtree answers "not found", like a missing one.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/units/1"), chromedp.WaitVisible(css(`main`))); err != nil {
		t.Fatal(err)
	}
	if body := textOf(t, ctx, `main`); strings.Contains(body, "Headquarters") {
		t.Errorf("headquarters is shown to a supervisor of a unit below it:\n%s", body)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
