DROP INDEX `invitations_pending_email`;--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_pending_account` ON `invitations` (`org_id`,`invitee_user_id`) WHERE status = 'pending' AND invitee_user_id IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_pending_email` ON `invitations` (`org_id`,`email`) WHERE status = 'pending' AND invitee_user_id IS NULL;