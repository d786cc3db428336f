package web

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kinbridge/kinbridge"
)

var update = flag.Bool("update", false, "rewrite docs/AUTHORIZATION.md from the policy and the route table")

const authorizationDocPath = "../docs/AUTHORIZATION.md"

// TestAuthorizationDoc keeps docs/AUTHORIZATION.md true: it is generated from
// kinbridge.AuthorizationMatrix and the route table, and this test fails
// when either changed without the document. `go test ./web -run
// TestAuthorizationDoc -update` rewrites it.
func TestAuthorizationDoc(t *testing.T) {
	want := authorizationDoc(NewServer(nil, Options{}).routeTable())
	if *update {
		if err := os.WriteFile(authorizationDocPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(authorizationDocPath)
	if err != nil {
		t.Fatalf("%v (run go test ./web -run TestAuthorizationDoc -update)", err)
	}
	if string(got) != want {
		t.Errorf("%s is out of date with the policy or the routes; run go test ./web -run TestAuthorizationDoc -update and review the diff", authorizationDocPath)
	}
}

func authorizationDoc(routes []route) string {
	var b strings.Builder
	b.WriteString(`# Authorisation

<!-- Generated from kinbridge.Policy and the web route table by
     go test ./web -run TestAuthorizationDoc -update
     Do not edit by hand: TestAuthorizationDoc fails when this file and the code differ. -->

Who may do what is decided in one place, the domain's policy (` + "`kinbridge.Policy`" + ` in
` + "`authz.go`" + `), and applied by ` + "`kinbridge.Service`" + ` to every operation and every record id.
The web pages and the JSON API decide nothing: they call the service and show its answer.
` + "`TestAuthorization`" + ` in ` + "`web/authz_test.go`" + ` calls every route below as every role, on a record in
each of the four unit relations, and checks the answer against this matrix.

## Roles, actions and scope

Every user has one role and belongs to one unit. A role reaches either the whole subtree of the
user's unit (administrator, supervisor, viewer) or that unit alone (officer, call coordinator).
A record belongs to a unit: a user to theirs, a unit to itself, a household to its responsible
unit, a person (resident or relative abroad) to their household's unit, a visit to its
household's unit, a visit plan to its unit, and a problem to the unit that holds it (while it is
referred, the unit it is referred to reaches it too, to accept it or send it back). A directive
belongs to its issuing unit, and is seen as well by the units it is addressed to; an assignment
belongs to its unit for acknowledging and reporting, and to the directive's issuing unit for
review; a report's attachment is reached from either side. Programmes are
agency-wide and belong to no unit; notifications and the digest address are the caller's own. The relations are those of the record's unit to the user's
unit: **own** (the same unit), **child** (a unit below it), **sibling** (another unit under the
same parent) and **parent** (the unit above it).

`)
	b.WriteString(kinbridge.AuthorizationMatrix())
	b.WriteString(`
✓ marks the relations in which the role may perform the action; — means never. For a record
outside the role's scope — a sibling or parent unit always, a child unit for the one-unit
roles — the answer is **not found**, exactly as for a record that does not exist, so that nobody
learns what exists outside their subtree. A record inside the scope that the role may not act on
is **forbidden**. Nobody moves the unit they work in: its parent is outside their scope.
` + "`self`" + ` acts on the caller's own account and tokens only.

## What the answers look like

| the policy says | page | JSON API |
|---|---|---|
| allow | 200, or 303 to the next page after a post | 200, 201 or 204 |
| forbidden | 403 page | 403 ` + "`forbidden`" + ` |
| not found | 404 page | 404 ` + "`not_found`" + ` |
| not found, for a record named in a form field (` + "`parent_id`, `unit_id`, `household_id`, `issuer_unit_id`" + ` of the create routes) | 422, the form again with the error at that field | 422 ` + "`invalid`" + ` with ` + "`field`" + ` set |

A unit or household named in a form field is input: one outside the scope is refused as "no such
unit" (or household) at that field, like one that does not exist. A page that shows a form — an
edit form, the form to add a person, the import upload — is listed with the action of the form's
post: a role that may not send the form is told so (403) when it asks for the page. Not signed in: pages redirect (303) to ` + "`/login`" + `, the API
answers 401 ` + "`unauthorized`" + `. A cross-origin post (CSRF) answers 403 before any of this.

## Routes

Pages authenticate with the ` + "`kb_session`" + ` cookie (HttpOnly, SameSite=Lax, Secure over HTTPS);
the API with ` + "`Authorization: Bearer kb_…`" + ` (API tokens, created on My account).
The target is the record the authorisation is decided on.

| method | path | action | target | sign-in |
|---|---|---|---|---|
`)
	for _, rt := range routes {
		action, auth := "`"+string(rt.action)+"`", "session"
		if rt.api {
			auth = "API token"
		}
		if rt.public {
			action, auth = "public", "none"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", rt.method, rt.pattern, action, rt.target, auth)
	}
	b.WriteString(`
## The address in the audit log

Every audit entry records the address the request came from: the host part of the TCP peer's
address (` + "`r.RemoteAddr`" + `). Behind a reverse proxy that is the proxy's address. kinbridge does not
trust ` + "`X-Forwarded-For`" + ` by default, because any client can send that header; an installation
behind a proxy that sets it reliably would have to take the address from it, and only from that
proxy.
`)
	return b.String()
}
