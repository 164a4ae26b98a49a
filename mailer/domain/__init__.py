"""The domain: the nouns every stage shares (calls, steps, plans), postal addresses, the
postal calendar (mailing, delivery and business days), date text as people write it, and
the identity rules that say when two rows are one person. Pure: no files, no clock."""
