/// What the gateway serves as built, beside the API: the OpenAPI document (`GET /openapi.yaml`)
/// and the live job page (`GET /jobs/{jobId}`). Loaded by `main.swift` from the gateway's
/// SwiftPM resources.
struct BuiltInDocuments: Sendable {
    let openAPI: [UInt8]
    let jobPage: [UInt8]
    /// The job page's headers: a page of its own scripts and styles only (allowed by the hashes
    /// of the very bytes served, computed here, so they cannot drift from the page), talking to
    /// this server only, never framed, never cached, never sending its address (the token is in
    /// the fragment, which is never sent, but the page removes it from the address as soon as
    /// it has read it).
    let jobPageHeaders: [(name: String, value: String)]

    init(openAPI: [UInt8], jobPage: [UInt8]) {
        self.openAPI = openAPI
        self.jobPage = jobPage
        jobPageHeaders = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Security-Policy",
             InlineContentPolicy.header(for: jobPage, rest: "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")),
            ("Referrer-Policy", "no-referrer"),
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "no-store"),
        ]
    }
}
