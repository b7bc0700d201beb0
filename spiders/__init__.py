"""Scrapy spiders: discovery of articles from feeds, sitemaps and listings."""
