package kinbridge

import (
	"strings"
	"testing"
)

func TestActorInScope(t *testing.T) {
	tests := []struct {
		role Role
		path string
		want bool
	}{
		{RoleAdministrator, "/1/2/", true},
		{RoleAdministrator, "/1/2/3/", true},
		{RoleAdministrator, "/1/", false},
		{RoleAdministrator, "/1/20/", false}, // a sibling whose id starts with the same digits
		{RoleSupervisor, "/1/2/3/", true},
		{RoleViewer, "/1/2/3/", true},
		{RoleOfficer, "/1/2/", true},
		{RoleOfficer, "/1/2/3/", false},
		{RoleCallCoordinator, "/1/2/3/", false},
	}
	for _, tt := range tests {
		a := &Actor{Role: tt.role, UnitPath: "/1/2/"}
		if got := a.InScope(tt.path); got != tt.want {
			t.Errorf("%s at /1/2/ InScope(%s) = %v, want %v", tt.role, tt.path, got, tt.want)
		}
	}
	if !SystemActor("test").InScope("/9/") {
		t.Error("the system actor must reach every unit")
	}
	var nobody *Actor
	if nobody.InScope("/1/") {
		t.Error("no actor must reach nothing")
	}
}

func TestAuthorizeNotFoundBeforeForbidden(t *testing.T) {
	viewer := &Actor{Role: RoleViewer, UnitPath: "/1/2/"}
	// Out of scope: not found, even though the role lacks the permission.
	if got := ErrorCode(authorize(viewer, ActionUnitCreate, "/1/5/", "unit")); got != ENOTFOUND {
		t.Errorf("out of scope: got %q, want %q", got, ENOTFOUND)
	}
	if got := ErrorCode(authorize(viewer, ActionUnitCreate, "/1/2/", "unit")); got != EFORBIDDEN {
		t.Errorf("in scope without permission: got %q, want %q", got, EFORBIDDEN)
	}
	if err := authorize(viewer, ActionUnitView, "/1/2/7/", "unit"); err != nil {
		t.Errorf("in scope with permission: %v", err)
	}
}

func TestPolicyCoversEveryAction(t *testing.T) {
	seen := map[Action]bool{}
	for _, p := range Policy {
		if seen[p.Action] {
			t.Errorf("action %s appears twice in Policy", p.Action)
		}
		seen[p.Action] = true
		for _, r := range p.Roles {
			if !r.Valid() {
				t.Errorf("action %s names unknown role %q", p.Action, r)
			}
		}
	}
	if Allowed(RoleAdministrator, "no.such.action") {
		t.Error("an unknown action must be refused")
	}
}

func TestAuthorizationMatrix(t *testing.T) {
	m := AuthorizationMatrix()
	lines := strings.Split(strings.TrimSpace(m), "\n")
	if got, want := len(lines), len(Policy)+2; got != want {
		t.Fatalf("matrix has %d lines, want %d:\n%s", got, want, m)
	}
	// The viewer may see units in its subtree but create none.
	for _, l := range lines {
		cells := strings.Split(l, "|")
		if strings.Contains(l, "`unit.create`") && strings.TrimSpace(cells[len(cells)-2]) != "—" {
			t.Errorf("viewer column of unit.create = %q, want —", cells[len(cells)-2])
		}
		if strings.Contains(l, "`unit.view`") && !strings.Contains(cells[len(cells)-2], "child") {
			t.Errorf("viewer column of unit.view = %q, want own and child", cells[len(cells)-2])
		}
	}
}

func TestExpect(t *testing.T) {
	tests := []struct {
		role   Role
		action Action
		rel    Relation
		want   string
	}{
		{RoleAdministrator, ActionUnitCreate, RelationOwn, "allow"},
		{RoleAdministrator, ActionUnitCreate, RelationChild, "allow"},
		{RoleAdministrator, ActionUnitCreate, RelationSibling, "not found"},
		{RoleAdministrator, ActionUnitCreate, RelationParent, "not found"},
		{RoleOfficer, ActionUnitView, RelationChild, "not found"},
		{RoleOfficer, ActionUnitView, RelationOwn, "allow"},
		{RoleOfficer, ActionUserView, RelationOwn, "forbidden"},
		{RoleViewer, ActionAuditView, RelationChild, "forbidden"},
		{RoleSupervisor, ActionAuditView, RelationChild, "allow"},
		{RoleViewer, ActionSelf, RelationParent, "allow"},
		{RoleAdministrator, ActionUnitMove, RelationOwn, "forbidden"},
		{RoleAdministrator, ActionUnitMove, RelationChild, "allow"},
	}
	for _, tt := range tests {
		if got := Expect(tt.role, tt.action, tt.rel); got != tt.want {
			t.Errorf("Expect(%s, %s, %s) = %q, want %q", tt.role, tt.action, tt.rel, got, tt.want)
		}
	}
}
