-- Who signed the commit of a reconcile, when the agent verifies signatures (--verify-signatures): the trusted key's
-- signer and fingerprint for an applied commit ("alice@example.org (ssh SHA256:...)"), the key's signer when known
-- for a commit refused as untrusted. NULL: not verified (the agent does not verify, or the row is older than this).
ALTER TABLE reconciles ADD COLUMN signer TEXT;
