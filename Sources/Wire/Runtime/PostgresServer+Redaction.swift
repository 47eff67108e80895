extension PostgresServer {
    /// What stands in for a password.
    package static let mask = "***"

    /// `text` with the password of every connection string in it replaced by `mask`: a URL's
    /// `user:PASSWORD@` and a `password=VALUE` pair (key/value form, quoted or not, or a URL's
    /// query parameter). For messages and log lines that quote what an operator wrote, which
    /// anyone reading the log must not learn the password from.
    package static func redactingPasswords(in text: String) -> String {
        // Constant, valid patterns: `try!` cannot fail. Compiled per call: only error paths ask.
        // `postgres://user:PASSWORD@` (or `postgresql://`): group 1 is all before the password.
        let userInfoPassword = try! Regex(#"(?i)(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@"#)
        // `password=VALUE`, `password = 'quoted \' value'` or `?password=VALUE&`: group 1 is the key and `=`.
        let passwordPair = try! Regex(#"(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&]*)"#)
        return text
            .replacing(userInfoPassword) { match in "\(match.output[1].substring ?? "")\(mask)@" }
            .replacing(passwordPair) { match in "\(match.output[1].substring ?? "")\(mask)" }
    }
}
