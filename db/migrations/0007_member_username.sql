ALTER TABLE `memberships` ADD `user_username` text;--> statement-breakpoint
-- Existing memberships take their user's current username (one database today; see the sharding seam in docs/architecture.md).
UPDATE `memberships` SET `user_username` = (SELECT `username` FROM `users` WHERE `users`.`id` = `memberships`.`user_id`);
