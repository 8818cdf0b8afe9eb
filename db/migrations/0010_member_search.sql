-- Member search without a scan (worker/routes/members/search.ts): an fts5 index over the
-- searchable columns of `memberships`, with the trigram tokenizer so that any substring of
-- three characters or more is found through the index. It is an external-content table: it
-- keeps only the index and reads the text from `memberships` by rowid. The triggers below keep
-- it in step inside the statement that changes a membership, so in the same transaction.
-- drizzle-kit models neither virtual tables nor triggers: a migration that rebuilds
-- `memberships` (a new table copied over) drops these triggers with the old table, may
-- renumber its rowids, and must create the triggers again and end with the 'rebuild' below
-- (test/unit/member-search-schema.test.ts checks they exist).
CREATE VIRTUAL TABLE `member_search` USING fts5(user_name, user_email, title, user_username, content='memberships', content_rowid='rowid', tokenize='trigram');
--> statement-breakpoint
CREATE TRIGGER `member_search_insert` AFTER INSERT ON `memberships` BEGIN
  INSERT INTO `member_search` (rowid, user_name, user_email, title, user_username) VALUES (new.rowid, new.user_name, new.user_email, new.title, new.user_username);
END;
--> statement-breakpoint
CREATE TRIGGER `member_search_delete` AFTER DELETE ON `memberships` BEGIN
  INSERT INTO `member_search` (`member_search`, rowid, user_name, user_email, title, user_username) VALUES ('delete', old.rowid, old.user_name, old.user_email, old.title, old.user_username);
END;
--> statement-breakpoint
CREATE TRIGGER `member_search_update` AFTER UPDATE OF user_name, user_email, title, user_username ON `memberships`
WHEN old.user_name IS NOT new.user_name OR old.user_email IS NOT new.user_email OR old.title IS NOT new.title OR old.user_username IS NOT new.user_username
BEGIN
  INSERT INTO `member_search` (`member_search`, rowid, user_name, user_email, title, user_username) VALUES ('delete', old.rowid, old.user_name, old.user_email, old.title, old.user_username);
  INSERT INTO `member_search` (rowid, user_name, user_email, title, user_username) VALUES (new.rowid, new.user_name, new.user_email, new.title, new.user_username);
END;
--> statement-breakpoint
INSERT INTO `member_search` (`member_search`) VALUES ('rebuild');
