package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kinbridge/kinbridge/demo"
)

// TestBrowserDirective drives a directive's full cycle in headless
// Chromium: headquarters' administrator issues a directive to the first
// region; the region's supervisor acknowledges it and passes it on to the
// demo officer's office; the officer acknowledges, records a visit with a
// problem, sees that visit in the evidence of the report form and reports
// with an attachment; the supervisor returns the report with a comment;
// the officer reports again and the supervisor accepts; the supervisor
// reports to headquarters, whose administrator accepts; the roll-up at
// headquarters shows both units accepted, 100%, and the office's evidence.
func TestBrowserDirective(t *testing.T) {
	chromiumPath(t) // skip (or fail under CI) before making the world
	w := newRegistryWorld(t)
	ctx := newBrowser(t) // its time limit starts now
	// Start the browser on the test's context: the first run's context
	// owns it, and do's parts run on shorter ones.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start the browser: %v", err)
	}
	region := unitOfUser(t, w.db, "supervisor")
	office := unitOfUser(t, w.db, "officer")
	base := startServer(t, w.db)
	loc, err := time.LoadLocation(demo.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	// do runs the steps of one part of the story, and on failure says where
	// the browser is.
	do := func(part string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v; %s", part, err, where(ctx))
		}
	}
	due := time.Now().In(loc).AddDate(0, 0, 14).Format(time.DateOnly)
	const title = "E2E: visit every household and report"

	// Headquarters issues the directive to the first region.
	do("issue the directive",
		signIn(base, "admin", demo.Password),
		chromedp.Navigate(base+"/directives/new"),
		chromedp.WaitVisible(css(`#directive-form`)),
		chromedp.SendKeys(css(`#f-title`), title),
		chromedp.SendKeys(css(`#f-body`), "Visit **every** household of your area and report what you did."),
		chromedp.SetValue(css(`#f-due_at`), due),
		chromedp.Click(css(`#f-to-units`)),
		chromedp.Click(css(fmt.Sprintf(`input[name="addressees"][value="%d"]`, region))),
		chromedp.Click(css(`#f-report-weekly`)),
		clickAndLoad(`#directive-form button[type=submit]`),
		chromedp.WaitVisible(css(`#directive-status`)),
	)
	directive := idFromLocation(t, ctx, base+"/directives/")
	if body := textOf(t, ctx, `#directive-body strong`); body != "every" {
		t.Errorf("the directive's body is not rendered from Markdown: <strong> holds %q", body)
	}

	// The region's supervisor acknowledges and passes it on to the office.
	do("the region acknowledges",
		clickAndLoad(`form[action="/logout"] button`),
		signIn(base, "supervisor", demo.Password),
		chromedp.Navigate(fmt.Sprintf("%s/directives/%d", base, directive)),
		chromedp.WaitVisible(css(`#acknowledge-form`)),
		clickAndLoad(`#acknowledge-form button[type=submit]`),
		chromedp.WaitVisible(css(`#my-state`)),
	)
	if state := textOf(t, ctx, `#my-state`); !strings.EqualFold(state, "acknowledged") {
		t.Errorf("the region's assignment after acknowledging: %q", state)
	}
	do("the region passes the directive on",
		clickAndLoad(`#pass-on-link`),
		chromedp.WaitVisible(css(`#directive-form`)),
		chromedp.Click(css(`#f-to-units`)),
		chromedp.Click(css(fmt.Sprintf(`input[name="addressees"][value="%d"]`, office))),
		clickAndLoad(`#directive-form button[type=submit]`),
		chromedp.WaitVisible(css(`#directive-status`)),
	)
	derived := idFromLocation(t, ctx, base+"/directives/")
	if derived == directive {
		t.Fatalf("passing on led back to directive %d", directive)
	}
	if parent := textOf(t, ctx, `#parent-link`); parent != title {
		t.Errorf("the derived directive's parent link: %q", parent)
	}

	// The office acknowledges, records a visit and reports: the form shows
	// the visit in the evidence before the report is sent.
	var visitAt time.Time
	do("the office acknowledges, visits and opens the report form",
		clickAndLoad(`form[action="/logout"] button`),
		signIn(base, "officer", demo.Password),
		chromedp.Navigate(fmt.Sprintf("%s/directives/%d", base, derived)),
		chromedp.WaitVisible(css(`#acknowledge-form`)),
		clickAndLoad(`#acknowledge-form button[type=submit]`),
		chromedp.WaitVisible(css(`#report-link`)),
		chromedp.Navigate(fmt.Sprintf("%s/households/%d", base, w.householdID)),
		chromedp.WaitVisible(css(`#visit-form`)),
		// The visit's time, to the second: the form's default is the minute
		// begun, which may be before the directive was issued. The next
		// whole second is after it; the server takes seconds, but the
		// input's step of a minute would refuse them.
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			visitAt = time.Now().Add(time.Second).Truncate(time.Second)
			_, err := chromedp.Evaluate[bool](`(document.querySelector('#f-at').step = 1) === 1`)(ctx, t)
			if err != nil {
				return err
			}
			_, err = chromedp.SetValue(css(`#f-at`), visitAt.In(loc).Format("2006-01-02T15:04:05"))(ctx, t)
			return err
		}),
		chromedp.SendKeys(css(`#f-purpose`), "Visit for the directive"),
		chromedp.SetValue(css(`select[name="problems[0].category"]`), "food"),
		chromedp.SendKeys(css(`textarea[name="problems[0].description"]`), "No rice left until the allowance."),
		clickAndLoad(fmt.Sprintf(`form[action="/households/%d/visits"] button[type=submit]`, w.householdID)),
		chromedp.WaitVisible(css(`#visit-problems-heading`)),
		// The evidence counts visits before the moment it is computed.
		chromedp.Func(func(context.Context, *chromedp.Target) error {
			time.Sleep(time.Until(visitAt) + 50*time.Millisecond)
			return nil
		}),
		chromedp.Navigate(fmt.Sprintf("%s/directives/%d", base, derived)),
		chromedp.WaitVisible(css(`#report-link`)),
		clickAndLoad(`#report-link`),
		chromedp.WaitVisible(css(`#evidence-preview`)),
	)
	if visits, raised := textOf(t, ctx, `#evidence-preview .ev-visits`), textOf(t, ctx, `#evidence-preview .ev-raised`); visits != "1" || raised != "1" {
		t.Errorf("the report form's evidence: %s visits, %s problems raised; want the 1 visit and 1 problem recorded since the directive", visits, raised)
	}
	attachment := filepath.Join(t.TempDir(), "visit-list.txt")
	if err := os.WriteFile(attachment, []byte("7 E2E Lane: visited, one problem raised.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	do("the office reports",
		chromedp.SendKeys(css(`#f-narrative`), "We visited the household on E2E Lane."),
		chromedp.SetUploadFiles(css(`#f-attachments`), []string{attachment}),
		clickAndLoad(`#report-form button[type=submit]`),
		chromedp.WaitVisible(css(`#my-state`)),
	)
	if state := textOf(t, ctx, `#my-state`); !strings.EqualFold(state, "reported") {
		t.Errorf("the office's assignment after reporting: %q", state)
	}

	// The region returns the report with a comment. review takes an action
	// on the one report waiting on a directive's reports page.
	review := func(directiveID int64, action, note string) {
		t.Helper()
		do(action+": the reports page",
			chromedp.Navigate(fmt.Sprintf("%s/directives/%d/reports", base, directiveID)),
			chromedp.WaitVisible(css(`form.review-form`)),
		)
		form, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('form.review-form').id`))
		if err != nil {
			t.Fatal(err)
		}
		n := strings.TrimPrefix(form, "review-")
		do(action+" the report",
			chromedp.SendKeys(css(`#f-note-`+n), note),
			clickAndLoad(fmt.Sprintf(`#%s button[value=%s]`, form, action)),
			chromedp.WaitVisible(css(`#assignment-`+n)),
		)
	}
	do("the region's supervisor signs in",
		clickAndLoad(`form[action="/logout"] button`),
		signIn(base, "supervisor", demo.Password),
	)
	review(derived, "return", "Say what was done about the problem raised.")
	reports := textOf(t, ctx, `main`)
	if !strings.Contains(strings.ToLower(reports), "returned") || !strings.Contains(reports, "visit-list.txt") {
		t.Errorf("the reports page after returning: want the state Returned and the attachment:\n%s", reports)
	}

	// The office reports again; the region accepts.
	do("the office sees the returned report",
		clickAndLoad(`form[action="/logout"] button`),
		signIn(base, "officer", demo.Password),
		chromedp.Navigate(fmt.Sprintf("%s/directives/%d", base, derived)),
		chromedp.WaitVisible(css(`#report-link`)),
	)
	if state := textOf(t, ctx, `#my-state`); !strings.EqualFold(state, "returned") {
		t.Errorf("the office's assignment after the return: %q", state)
	}
	do("the office reports again",
		clickAndLoad(`#report-link`),
		chromedp.WaitVisible(css(`#report-form`)),
		chromedp.SendKeys(css(`#f-narrative`), "The food problem is with the food bank; we go back next week."),
		clickAndLoad(`#report-form button[type=submit]`),
		chromedp.WaitVisible(css(`#my-state`)),
		clickAndLoad(`form[action="/logout"] button`),
		signIn(base, "supervisor", demo.Password),
	)
	review(derived, "accept", "Thank you.")

	// The region reports to headquarters, which accepts.
	do("the region reports",
		chromedp.Navigate(fmt.Sprintf("%s/directives/%d", base, directive)),
		chromedp.WaitVisible(css(`#report-link`)),
		clickAndLoad(`#report-link`),
		chromedp.WaitVisible(css(`#report-form`)),
		chromedp.SendKeys(css(`#f-narrative`), "Passed on to our office, which visited and reported."),
		clickAndLoad(`#report-form button[type=submit]`),
		chromedp.WaitVisible(css(`#my-state`)),
		clickAndLoad(`form[action="/logout"] button`),
		signIn(base, "admin", demo.Password),
	)
	review(directive, "accept", "Accepted.")

	// The roll-up at headquarters: both units accepted, and the office's
	// evidence.
	do("the roll-up",
		chromedp.Navigate(fmt.Sprintf("%s/directives/%d/rollup", base, directive)),
		chromedp.WaitVisible(css(`#rollup-stats`)),
	)
	// The figures by their place: the share accepted and the count of
	// accepted assignments share an element id.
	stats, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#rollup-stats li')].map(li => li.textContent.trim().replace(/\s+/g, ' '))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) < 2 || !strings.HasPrefix(stats[0], "2 ") || !strings.HasPrefix(stats[1], "100% ") {
		t.Errorf("the roll-up at headquarters: %q; want 2 assignments, 100%% accepted", stats)
	}
	if visits := textOf(t, ctx, `section[aria-labelledby="evidence-heading"] .ev-visits`); visits != "1" {
		t.Errorf("the roll-up's evidence: %s visits, want the office's 1", visits)
	}
	if children := textOf(t, ctx, `#rollup-children`); !strings.Contains(children, "100%") {
		t.Errorf("the roll-up's line of the region:\n%s", children)
	}
}

// where says where the browser is and what the page's main element says,
// for a failure's message.
func where(ctx context.Context) string {
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	main, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('main') || document.body).innerText`))
	return fmt.Sprintf("at %s:\n%s", loc, main)
}

// idFromLocation returns the number that follows prefix in the browser's
// location.
func idFromLocation(t *testing.T, ctx context.Context, prefix string) int64 {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `(\d+)`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("the browser is at %s, not under %s", loc, prefix)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}
