CREATE TABLE `org_seat_counts` (
	`org_id` text PRIMARY KEY NOT NULL,
	`members` integer DEFAULT 0 NOT NULL,
	`pending` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Written by hand after drizzle-kit's table (drizzle does not model triggers): the counts
-- of every existing organization, then the triggers that keep them exact from now on.
INSERT INTO `org_seat_counts` (`org_id`, `members`, `pending`)
SELECT o.`id`,
	(SELECT count(*) FROM `memberships` m WHERE m.`org_id` = o.`id`),
	(SELECT count(*) FROM `invitations` i WHERE i.`org_id` = o.`id` AND i.`status` = 'pending')
FROM `organizations` o;
--> statement-breakpoint
CREATE TRIGGER `org_seat_counts_new_org` AFTER INSERT ON `organizations` BEGIN
	INSERT INTO `org_seat_counts` (`org_id`) VALUES (new.`id`);
END;
--> statement-breakpoint
CREATE TRIGGER `org_seat_counts_member_in` AFTER INSERT ON `memberships` BEGIN
	UPDATE `org_seat_counts` SET `members` = `members` + 1 WHERE `org_id` = new.`org_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `org_seat_counts_member_out` AFTER DELETE ON `memberships` BEGIN
	UPDATE `org_seat_counts` SET `members` = `members` - 1 WHERE `org_id` = old.`org_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `org_seat_counts_member_moved` AFTER UPDATE OF `org_id` ON `memberships` WHEN old.`org_id` <> new.`org_id` BEGIN
	UPDATE `org_seat_counts` SET `members` = `members` - 1 WHERE `org_id` = old.`org_id`;
	UPDATE `org_seat_counts` SET `members` = `members` + 1 WHERE `org_id` = new.`org_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `org_seat_counts_invitation_in` AFTER INSERT ON `invitations` WHEN new.`status` = 'pending' BEGIN
	UPDATE `org_seat_counts` SET `pending` = `pending` + 1 WHERE `org_id` = new.`org_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `org_seat_counts_invitation_out` AFTER DELETE ON `invitations` WHEN old.`status` = 'pending' BEGIN
	UPDATE `org_seat_counts` SET `pending` = `pending` - 1 WHERE `org_id` = old.`org_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `org_seat_counts_invitation_changed` AFTER UPDATE OF `status`, `org_id` ON `invitations`
WHEN (old.`status` = 'pending') <> (new.`status` = 'pending') OR old.`org_id` <> new.`org_id` BEGIN
	UPDATE `org_seat_counts` SET `pending` = `pending` - 1 WHERE old.`status` = 'pending' AND `org_id` = old.`org_id`;
	UPDATE `org_seat_counts` SET `pending` = `pending` + 1 WHERE new.`status` = 'pending' AND `org_id` = new.`org_id`;
END;
