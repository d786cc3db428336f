package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/demo"
	"github.com/kinbridge/kinbridge/sqlite"
)

// TestBrowserWelfare drives a problem's hand-over between two offices in
// headless Chromium: the demo officer records a visit to a household of
// their office with two problems, resolves one and refers the other to a
// sibling office; that office's officer finds it among the incoming
// referrals of their unit's queue, accepts it and sees it among the
// problems their unit holds; the first officer's inbox says the referral
// was accepted.
func TestBrowserWelfare(t *testing.T) {
	ctx := newBrowser(t)
	w := newRegistryWorld(t)
	siblingUnit := unitOfUser(t, w.db, w.sibling)
	base := startServer(t, w.db)
	household := fmt.Sprintf("%s/households/%d", base, w.householdID)

	// The visit, with two problems.
	err := chromedp.Do(ctx,
		signIn(base, "officer", demo.Password),
		chromedp.Navigate(household),
		chromedp.WaitVisible(css(`#visit-form`)),
		chromedp.SendKeys(css(`#f-purpose`), "First visit"),
		chromedp.SendKeys(css(`#f-notes`), "The head asked for help with two things."),
		chromedp.SetValue(css(`select[name="problems[0].category"]`), "food"),
		chromedp.SendKeys(css(`textarea[name="problems[0].description"]`), "No rice left until the allowance."),
		chromedp.SetValue(css(`select[name="problems[1].category"]`), "documents"),
		chromedp.SendKeys(css(`textarea[name="problems[1].description"]`), "Residence permit expires next month."),
		clickAndLoad(fmt.Sprintf(`form[action="/households/%d/visits"] button[type=submit]`, w.householdID)),
		chromedp.WaitVisible(css(`#visit-problems-heading`)),
	)
	if err != nil {
		t.Fatalf("record the visit: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('section[aria-labelledby="visit-problems-heading"] tbody tr')].map(tr => tr.id + '|' + tr.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	rowID := regexp.MustCompile(`^problem-(\d+)\|`)
	for _, r := range rows {
		m := rowID.FindStringSubmatch(r)
		if m == nil {
			continue
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		switch {
		case strings.Contains(r, "Food"):
			ids["food"] = id
		case strings.Contains(r, "Documents"):
			ids["documents"] = id
		}
	}
	if len(rows) != 2 || ids["food"] == 0 || ids["documents"] == 0 {
		t.Fatalf("the visit's page lists the problems:\n%s", strings.Join(rows, "\n"))
	}
	food, documents := ids["food"], ids["documents"]

	// Resolve the first.
	err = chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/problems/%d", base, food)),
		chromedp.WaitVisible(css(`#action-resolve`)),
		chromedp.SendKeys(css(`#f-resolve-note`), "Brought a bag of rice from the food bank."),
		clickAndLoad(`#action-resolve button[type=submit]`),
		chromedp.WaitVisible(css(`#problem-status`)),
	)
	if err != nil {
		t.Fatalf("resolve problem %d: %v", food, err)
	}
	if status := textOf(t, ctx, `#problem-status`); !strings.Contains(status, "Resolved") {
		t.Errorf("problem %d after resolving it: status %q", food, status)
	}
	if history := textOf(t, ctx, `#problem-history`); !strings.Contains(history, "Brought a bag of rice from the food bank.") {
		t.Errorf("problem %d's history lacks the resolution:\n%s", food, history)
	}

	// Refer the second to the sibling office.
	err = chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/problems/%d", base, documents)),
		chromedp.WaitVisible(css(`#action-refer`)),
		chromedp.SetValue(css(`#f-refer-unit_id`), strconv.FormatInt(siblingUnit, 10)),
		chromedp.SendKeys(css(`#f-refer-note`), "The family moved closer to your office."),
		clickAndLoad(`#action-refer button[type=submit]`),
		chromedp.WaitVisible(css(`#problem-status`)),
	)
	if err != nil {
		t.Fatalf("refer problem %d: %v", documents, err)
	}
	if status := textOf(t, ctx, `#problem-status`); !strings.Contains(status, "Referred") || !strings.Contains(status, "E2E Sibling Office") {
		t.Errorf("problem %d after referring it: status %q", documents, status)
	}

	// The sibling office's officer accepts it from their queue.
	queue := fmt.Sprintf("%s/units/%d/queue", base, siblingUnit)
	incoming := fmt.Sprintf(`#incoming-%d`, documents)
	err = chromedp.Do(ctx,
		clickAndLoad(`form[action="/logout"] button`),
		signIn(base, w.sibling, demo.Password),
		chromedp.Navigate(queue),
		chromedp.WaitVisible(css(`#incoming-heading`)),
	)
	if err != nil {
		t.Fatalf("the sibling office's queue: %v", err)
	}
	if row := textOf(t, ctx, incoming); !strings.Contains(row, "Residence permit expires next month.") {
		t.Errorf("the incoming referral's row: %q", row)
	}
	err = chromedp.Do(ctx,
		clickAndLoad(incoming+` form.inline button[type=submit]`),
		chromedp.WaitVisible(css(`#held-heading`)),
	)
	if err != nil {
		t.Fatalf("accept problem %d: %v", documents, err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasPrefix(loc, queue) {
		t.Errorf("accepting led to %s, not back to the queue", loc)
	}
	held := textOf(t, ctx, `section[aria-labelledby="held-heading"]`)
	if !strings.Contains(held, fmt.Sprint(documents)) || !strings.Contains(held, "7 E2E Lane") {
		t.Errorf("the problems the sibling office holds do not list problem %d:\n%s", documents, held)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+incoming+`').length`)); err != nil || n != 0 {
		t.Errorf("problem %d is still among the incoming referrals (%d, %v)", documents, n, err)
	}

	// The first officer's inbox says the referral was accepted.
	err = chromedp.Do(ctx,
		clickAndLoad(`form[action="/logout"] button`),
		signIn(base, "officer", demo.Password),
		chromedp.WaitVisible(css(`#unread-count`)),
		clickAndLoad(`#nav-inbox`),
		chromedp.WaitVisible(css(`#inbox-unread`)),
	)
	if err != nil {
		t.Fatalf("the officer's inbox: %v", err)
	}
	accepted := fmt.Sprintf(`table.inbox a[href="/problems/%d"]`, documents)
	if text := textOf(t, ctx, accepted); !strings.Contains(text, "you referred was accepted") {
		t.Errorf("the inbox's line about problem %d: %q", documents, text)
	}
}

// unitOfUser returns the unit of the user, read from the database.
func unitOfUser(t *testing.T, db, username string) int64 {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var unitID int64
	err = store.View(ctx, func(tx kinbridge.Tx) error {
		u, err := tx.FindUserByUsername(ctx, username)
		if err == nil {
			unitID = u.UnitID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return unitID
}
