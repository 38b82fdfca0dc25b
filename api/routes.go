package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/issuer"
)

// Roles, named as in the issuer (issue 4, item 3). Admin holds every role.
const (
	admin    = issuer.RoleAdmin
	assessor = issuer.RoleAssessor
	approver = issuer.RoleApprover
	viewer   = issuer.RoleViewer
)

// access says who may call a route.
type access int

const (
	public   access = iota // no credentials
	keyed                  // an API key holding one of route.roles (any role when empty)
	operator               // the operator token (Deps.OperatorToken)
)

// route is one row of the table.
type route struct {
	method string
	path   string
	access access
	roles  []issuer.Role
	// wired is false when the dependency the handler needs is missing; the
	// route then answers 501, so a partial wiring is visible, never a panic.
	wired  bool
	handle fiber.Handler
}

func roles(rs ...issuer.Role) []issuer.Role { return rs }

// routes is the one table of routes. Roles are checked here (early, before
// decoding) and again by the issuer for every call.
func (s *server) routes() []route {
	iss, ver := s.Issuer != nil, s.Verifier != nil
	web, webVer := s.web != nil, s.web != nil && s.Verifier != nil
	const get, post, put, del = fiber.MethodGet, fiber.MethodPost, fiber.MethodPut, fiber.MethodDelete
	return []route{
		// Operations.
		{get, "/healthz", public, nil, true, s.healthz},
		{get, "/readyz", public, nil, true, s.readyz},
		{get, "/metrics", public, nil, s.Metrics != nil && s.MetricsRoute, s.metrics},

		// VC-API.
		{post, "/credentials/verify", public, nil, ver, s.verifyCredential},
		{post, "/presentations/verify", public, nil, ver, s.verifyPresentation},
		{post, "/credentials/issue", keyed, roles(approver), iss, s.issueCredential},
		{post, "/credentials/status", keyed, roles(approver), iss, s.updateStatus},

		// Public documents.
		{get, "/credentials/:id", public, nil, iss, s.credentialDocument}, // content-negotiated (web_credential.go)
		{get, "/issuers/:slug/did.json", public, nil, iss, s.didDocument},
		{get, "/.well-known/did.json", public, nil, iss, s.hostDIDDocument},
		{get, "/issuers/:slug", public, nil, iss, s.issuerDocument}, // Profile JSON, or the page for browsers
		{get, "/issuers/:slug/status/:purpose", public, nil, iss, s.statusList},
		{get, "/status/:slug/:purpose", public, nil, iss, s.statusList},

		// Public pages and downloads (web*.go, issue 5).
		{get, "/", public, nil, web, s.home},
		{get, "/static/:name", public, nil, web, s.staticAsset},
		{get, "/c/:id", public, nil, web, s.credentialPage},
		{get, "/c/:id/credential.json", public, nil, web, s.downloadJSON},
		{get, "/c/:id/credential.jwt", public, nil, web, s.downloadJWT},
		{get, "/c/:id/badge.png", public, nil, web, s.badgePNG},
		{get, "/c/:id/badge.svg", public, nil, web, s.badgeSVG},
		{get, "/verify", public, nil, web, s.verifyForm},
		{post, "/verify", public, nil, webVer, s.verifySubmit},
		{get, "/achievements/:id", public, nil, web, s.achievementPage},
		{get, "/achievements/:id/:version", public, nil, web, s.achievementPage},

		// Domain API.
		{post, "/api/v1/providers", operator, nil, iss, s.createProvider},
		{get, "/api/v1/api-keys", keyed, roles(admin), iss, s.listAPIKeys},
		{post, "/api/v1/api-keys", keyed, roles(admin), iss, s.createAPIKey},
		{del, "/api/v1/api-keys/:id", keyed, roles(admin), iss, s.revokeAPIKey},
		{get, "/api/v1/signing-keys", keyed, nil, iss, s.listSigningKeys},
		{post, "/api/v1/signing-keys/rotate", keyed, roles(admin), iss, s.rotateSigningKeys},
		{get, "/api/v1/achievements", keyed, nil, iss, s.listAchievements},
		{post, "/api/v1/achievements", keyed, roles(admin), iss, s.createAchievement},
		{get, "/api/v1/achievements/:id", keyed, nil, iss, s.getAchievement},
		{put, "/api/v1/achievements/:id", keyed, roles(admin), iss, s.updateAchievement},
		{del, "/api/v1/achievements/:id", keyed, roles(admin), iss, s.deleteAchievement},
		{get, "/api/v1/awards", keyed, nil, iss, s.listAwards},
		{post, "/api/v1/awards", keyed, roles(assessor), iss, s.createAward},
		{get, "/api/v1/awards/:id", keyed, nil, iss, s.getAward},
		{post, "/api/v1/awards/:id/approve", keyed, roles(approver), iss, s.approveAward},
		{post, "/api/v1/awards/:id/issue", keyed, roles(approver), iss, s.issueAward},
		{post, "/api/v1/awards/:id/revoke", keyed, roles(approver), iss, s.changeStatus(func(i Issuer) statusFunc { return i.Revoke })},
		{post, "/api/v1/awards/:id/suspend", keyed, roles(approver), iss, s.changeStatus(func(i Issuer) statusFunc { return i.Suspend })},
		{post, "/api/v1/awards/:id/reinstate", keyed, roles(approver), iss, s.changeStatus(func(i Issuer) statusFunc { return i.Reinstate })},
		{get, "/api/v1/audit-events", keyed, roles(admin), iss, s.listAuditEvents},

		// Cohort issuance and NZQA reporting (issue 6: bulk.go, report.go).
		{post, bulkPath, keyed, roles(assessor), iss, s.submitBulk},
		{get, "/api/v1/jobs", keyed, nil, iss, s.listJobs},
		{get, "/api/v1/jobs/:id", keyed, nil, iss, s.getJob},
		{get, "/api/v1/jobs/:id/results", keyed, nil, iss, s.jobResults},
		{post, "/api/v1/jobs/:id/cancel", keyed, roles(assessor, approver), iss, s.cancelJob},
		{get, "/api/v1/awards/:id/notification", keyed, nil, iss, s.awardNotification},
		{post, "/api/v1/awards/:id/notification/resend", keyed, roles(assessor, approver), iss, s.resendNotification},
		{get, "/api/v1/reports/nzqa-completions", keyed, nil, iss, s.nzqaCompletions},
	}
}

// register adds every route of the table to app.
func (s *server) register(app *fiber.App) {
	for _, r := range s.routes() {
		pattern := r.path
		hs := []fiber.Handler{func(c *fiber.Ctx) error {
			c.Locals(localRoute, pattern)
			return c.Next()
		}}
		switch r.access {
		case keyed:
			hs = append(hs, s.requireRole(r.roles...))
		case operator:
			hs = append(hs, s.requireOperator)
		}
		h := r.handle
		if !r.wired {
			h = notWired
		}
		app.Add(r.method, r.path, append(hs, h)...)
	}
}

func notWired(*fiber.Ctx) error {
	return fiber.NewError(fiber.StatusNotImplemented, "This endpoint is not available on this server.")
}
